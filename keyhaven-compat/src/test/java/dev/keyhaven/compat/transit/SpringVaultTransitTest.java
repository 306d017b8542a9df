package dev.keyhaven.compat.transit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.vault.authentication.SimpleSessionManager;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.VaultTransitOperations;
import org.springframework.vault.support.Ciphertext;
import org.springframework.vault.support.Hmac;
import org.springframework.vault.support.Plaintext;
import org.springframework.vault.support.RawTransitKey;
import org.springframework.vault.support.Signature;
import org.springframework.vault.support.TransitKeyType;
import org.springframework.vault.support.VaultDecryptionResult;
import org.springframework.vault.support.VaultEncryptionResult;
import org.springframework.vault.support.VaultTransitContext;
import org.springframework.vault.support.VaultTransitKey;
import org.springframework.vault.support.VaultTransitKeyConfiguration;
import org.springframework.vault.support.VaultTransitKeyCreationRequest;

/** Spring Vault's {@link VaultTransitOperations} against the real server over HTTP. */
class SpringVaultTransitTest {
    @TempDir
    static Path dir;
    static TransitServer s;
    static VaultTransitOperations transit;

    @BeforeAll
    static void start() {
        s = new TransitServer(dir);
        VaultTemplate template = new VaultTemplate(VaultEndpoint.from(URI.create(s.url())), new SimpleClientHttpRequestFactory(),
                new SimpleSessionManager(new TokenAuthentication(s.token)));
        transit = template.opsForTransit("transit");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void keyLifecycle() {
        transit.createKey("spring-aes");
        transit.createKey("spring-ec", VaultTransitKeyCreationRequest.builder().type("ecdsa-p256").build());
        assertThat(transit.getKeys()).contains("spring-aes", "spring-ec");
        VaultTransitKey key = transit.getKey("spring-aes");
        assertThat(key.getName()).isEqualTo("spring-aes");
        assertThat(key.getType()).isEqualTo("aes256-gcm96");
        assertThat(key.getLatestVersion()).isEqualTo(1);
        assertThat(key.supportsEncryption()).isTrue();
        assertThat(key.getKeys()).containsOnlyKeys("1");
        transit.rotate("spring-aes");
        assertThat(transit.getKey("spring-aes").getLatestVersion()).isEqualTo(2);
        transit.configureKey("spring-aes", VaultTransitKeyConfiguration.builder().deletionAllowed(true).minDecryptionVersion(1).build());
        assertThat(transit.getKey("spring-aes").isDeletionAllowed()).isTrue();
        transit.deleteKey("spring-aes");
        assertThat(transit.getKey("spring-aes")).isNull();
        VaultTransitKey ec = transit.getKey("spring-ec");
        assertThat(ec.supportsSigning()).isTrue();
    }

    @Test
    void encryptDecryptRewrapAndBatches() {
        transit.createKey("spring-enc");
        String ct = transit.encrypt("spring-enc", "plain text");
        assertThat(ct).startsWith("vault:v1:");
        assertThat(transit.decrypt("spring-enc", ct)).isEqualTo("plain text");
        Ciphertext c = transit.encrypt("spring-enc", Plaintext.of("bytes".getBytes(StandardCharsets.UTF_8)));
        assertThat(transit.decrypt("spring-enc", c).asString()).isEqualTo("bytes");
        transit.rotate("spring-enc");
        assertThat(transit.rewrap("spring-enc", ct)).startsWith("vault:v2:");
        List<VaultEncryptionResult> enc = transit.encrypt("spring-enc", List.of(Plaintext.of("a"), Plaintext.of("b")));
        assertThat(enc).allSatisfy(r -> assertThat(r.isSuccessful()).isTrue());
        List<VaultDecryptionResult> dec = transit.decrypt("spring-enc", List.of(enc.get(0).get(), enc.get(1).get()));
        assertThat(dec).extracting(r -> r.get().asString()).containsExactly("a", "b");
    }

    @Test
    void derivedKeyWithContext() {
        transit.createKey("spring-derived", VaultTransitKeyCreationRequest.builder().derived(true).build());
        VaultTransitContext ctx = VaultTransitContext.builder().context("tenant-7".getBytes(StandardCharsets.UTF_8)).build();
        String ct = transit.encrypt("spring-derived", "x".getBytes(StandardCharsets.UTF_8), ctx);
        assertThat(new String(transit.decrypt("spring-derived", ct, ctx), StandardCharsets.UTF_8)).isEqualTo("x");
    }

    @Test
    void signVerifyHmacAndExport() {
        transit.createKey("spring-ed", VaultTransitKeyCreationRequest.builder().type("ed25519").build());
        Plaintext msg = Plaintext.of("message");
        Signature sig = transit.sign("spring-ed", msg);
        assertThat(sig.getSignature()).startsWith("vault:v1:");
        assertThat(transit.verify("spring-ed", msg, sig)).isTrue();
        assertThat(transit.verify("spring-ed", Plaintext.of("other"), sig)).isFalse();

        transit.createKey("spring-exp", VaultTransitKeyCreationRequest.builder().exportable(true).build());
        Hmac hmac = transit.getHmac("spring-exp", msg);
        assertThat(hmac.getHmac()).startsWith("vault:v1:");
        RawTransitKey raw = transit.exportKey("spring-exp", TransitKeyType.ENCRYPTION_KEY);
        assertThat(raw.getKeys()).containsOnlyKeys("1");
    }
}
