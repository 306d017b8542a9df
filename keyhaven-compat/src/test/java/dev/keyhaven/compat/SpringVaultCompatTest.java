package dev.keyhaven.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.vault.VaultException;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultKeyValueOperationsSupport.KeyValueBackend;
import org.springframework.vault.core.VaultSysOperations;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.core.VaultTokenOperations;
import org.springframework.vault.core.VaultVersionedKeyValueOperations;
import org.springframework.vault.support.Policy;
import org.springframework.vault.support.Versioned;
import org.springframework.vault.support.VaultHealth;
import org.springframework.vault.support.VaultMount;
import org.springframework.vault.support.VaultResponse;
import org.springframework.vault.support.VaultTokenRequest;
import org.springframework.vault.support.VaultTokenResponse;
import org.springframework.vault.core.VaultKeyValueMetadataOperations;
import org.springframework.vault.support.VaultMetadataResponse;

/** Spring Vault ({@code spring-vault-core}) drives a real Keyhaven dev server over loopback, unchanged. */
class SpringVaultCompatTest {
    @TempDir
    static Path dir;
    static KeyhavenServer server;
    static String rootToken;
    static VaultTemplate vault;

    @BeforeAll
    static void start() {
        rootToken = "compat-root-" + UUID.randomUUID();
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(rootToken), Optional.of("127.0.0.1:0"), Optional.of(dir)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        vault = template(rootToken);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    static VaultTemplate template(String token) {
        return new VaultTemplate(VaultEndpoint.from(URI.create(server.url())), new TokenAuthentication(token));
    }

    @Test
    void healthIsReadBySysOperations() {
        VaultHealth h = vault.opsForSys().health();
        assertThat(h.isInitialized()).isTrue();
        assertThat(h.isSealed()).isFalse();
        assertThat(h.isStandby()).isFalse();
        assertThat(h.getVersion()).isNotBlank();
        assertThat(vault.opsForSys().isInitialized()).isTrue();
    }

    @Test
    void versionedKeyValueRoundTripWithVersionsDeleteUndeleteDestroy() {
        VaultVersionedKeyValueOperations kv = vault.opsForVersionedKeyValue("secret");
        String path = "spring/" + UUID.randomUUID();
        Versioned.Metadata m1 = kv.put(path, Map.of("user", "app", "password", "first"));
        assertThat(m1.getVersion().getVersion()).isEqualTo(1);
        Versioned.Metadata m2 = kv.put(path, Versioned.create(Map.of("user", "app", "password", "second"), Versioned.Version.from(1)));
        assertThat(m2.getVersion().getVersion()).isEqualTo(2);

        Versioned<Map<String, Object>> latest = kv.get(path);
        assertThat(latest).isNotNull();
        assertThat(latest.getRequiredData()).containsEntry("password", "second");
        assertThat(latest.getVersion().getVersion()).isEqualTo(2);
        Versioned<Map<String, Object>> first = kv.get(path, Versioned.Version.from(1));
        assertThat(first.getRequiredData()).containsEntry("password", "first");

        // CAS mismatch: Spring Vault surfaces Vault's 400 as a VaultException
        assertThatThrownBy(() -> kv.put(path, Versioned.create(Map.of("password", "x"), Versioned.Version.from(1))))
                .isInstanceOf(VaultException.class).hasMessageContaining("check-and-set");

        kv.delete(path, Versioned.Version.from(2));
        Versioned<Map<String, Object>> deleted = kv.get(path, Versioned.Version.from(2));
        assertThat(deleted == null || !deleted.hasData()).isTrue();
        kv.undelete(path, Versioned.Version.from(2));
        assertThat(kv.get(path).getRequiredData()).containsEntry("password", "second");
        kv.destroy(path, Versioned.Version.from(1));
        Versioned<Map<String, Object>> destroyed = kv.get(path, Versioned.Version.from(1));
        assertThat(destroyed == null || !destroyed.hasData()).isTrue();

        assertThat(kv.list("spring/")).contains(path.substring("spring/".length()));
    }

    @Test
    void keyValueMetadataOperations() {
        VaultVersionedKeyValueOperations kv = vault.opsForVersionedKeyValue("secret");
        String path = "meta/" + UUID.randomUUID();
        kv.put(path, Map.of("a", "1"));
        kv.put(path, Map.of("a", "2"));
        VaultKeyValueMetadataOperations meta = kv.opsForKeyValueMetadata();
        VaultMetadataResponse md = meta.get(path);
        assertThat(md.getCurrentVersion()).isEqualTo(2);
        assertThat(md.getOldestVersion()).isEqualTo(0); // Vault reports 0 until versions are trimmed
        assertThat(md.getVersions()).hasSize(2);
        assertThat(md.isCasRequired()).isFalse();
        assertThat(md.getDeleteVersionAfter()).isEqualTo(Duration.ZERO);
        meta.delete(path);
        assertThat(kv.get(path)).isNull();
    }

    @Test
    void kvVersion1ThroughKeyValueOperations() {
        VaultSysOperations sys = vault.opsForSys();
        String mount = "kv1-" + UUID.randomUUID().toString().substring(0, 8);
        sys.mount(mount, VaultMount.create("kv"));
        assertThat(sys.getMounts()).containsKey(mount + "/");
        var kv = vault.opsForKeyValue(mount, KeyValueBackend.KV_1);
        kv.put("app/config", Map.of("url", "https://example.invalid"));
        VaultResponse r = kv.get("app/config");
        assertThat(r.getRequiredData()).containsEntry("url", "https://example.invalid");
        assertThat(kv.list("app/")).containsExactly("config");
        kv.delete("app/config");
        assertThat(kv.get("app/config")).isNull();
        sys.unmount(mount);
        assertThat(sys.getMounts()).doesNotContainKey(mount + "/");
    }

    @Test
    void policiesAndLeastPrivilegeTokens() {
        VaultSysOperations sys = vault.opsForSys();
        Policy policy = Policy.of(Policy.Rule.builder().path("secret/data/app/*").capabilities(Policy.BuiltinCapabilities.READ).build());
        sys.createOrUpdatePolicy("compat-app-read", policy);
        assertThat(sys.getPolicyNames()).contains("compat-app-read", "default", "root");
        assertThat(sys.getPolicy("compat-app-read").getRules()).hasSize(1);

        vault.opsForVersionedKeyValue("secret").put("app/x", Map.of("k", "v"));
        VaultTokenOperations tokens = vault.opsForToken();
        VaultTokenResponse created = tokens.create(VaultTokenRequest.builder().withPolicy("compat-app-read").ttl(Duration.ofMinutes(10)).build());
        String limited = created.getToken().getToken();
        assertThat(limited).startsWith("hvs.");

        VaultTemplate app = template(limited);
        assertThat(app.opsForVersionedKeyValue("secret").get("app/x").getRequiredData()).containsEntry("k", "v");
        assertThatThrownBy(() -> app.opsForVersionedKeyValue("secret").put("app/x", Map.of("k", "w")))
                .isInstanceOf(VaultException.class).hasMessageContaining("permission denied");
        assertThatThrownBy(() -> app.opsForVersionedKeyValue("secret").get("other/x"))
                .isInstanceOf(VaultException.class).hasMessageContaining("permission denied");

        tokens.revoke(created.getToken());
        assertThatThrownBy(() -> app.opsForVersionedKeyValue("secret").get("app/x"))
                .isInstanceOf(VaultException.class).hasMessageContaining("permission denied");
        sys.deletePolicy("compat-app-read");
        assertThat(sys.getPolicyNames()).doesNotContain("compat-app-read");
    }

    @Test
    void tokenLookupSelfShapeIsWhatSpringSessionManagementReads() {
        VaultTokenResponse created = vault.opsForToken().create(VaultTokenRequest.builder().ttl(Duration.ofMinutes(5)).renewable().build());
        VaultTemplate t = template(created.getToken().getToken());
        VaultResponse self = t.read("auth/token/lookup-self");
        assertThat(self.getRequiredData()).containsKeys("accessor", "creation_time", "creation_ttl", "display_name", "entity_id",
                "expire_time", "explicit_max_ttl", "id", "issue_time", "meta", "num_uses", "orphan", "path", "policies", "renewable", "ttl", "type");
        assertThat(((Number) self.getRequiredData().get("ttl")).longValue()).isBetween(1L, 300L);
        VaultTokenResponse renewed = t.opsForToken().renew(created.getToken());
        assertThat(renewed.getAuth()).containsKey("client_token");
    }

    @Test
    void rawReadWriteListAndDeleteThroughVaultOperations() {
        vault.write("secret/data/raw/one", Map.of("data", Map.of("a", "b")));
        VaultResponse r = vault.read("secret/data/raw/one");
        assertThat(r.getRequiredData()).containsKey("data");
        List<String> keys = vault.list("secret/metadata/raw");
        assertThat(keys).contains("one");
        vault.delete("secret/metadata/raw/one");
        assertThat(vault.list("secret/metadata/raw")).isEmpty();
    }
}
