package dev.keyhaven.client.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keyhaven.core.logical.Operation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TransitClientTest {
    private final TransitTestServer server = new TransitTestServer(Clock.systemUTC());
    private final AtomicInteger tokenCalls = new AtomicInteger();
    private final Transit transit = Transit.builder(server.address(), () -> {
        tokenCalls.incrementAndGet();
        return server.token;
    }).mount("/transit/").build();

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void encryptDecryptAndRewrapOverHttp() {
        server.call(Operation.UPDATE, "keys/orders", "{}");
        byte[] secret = "card 4111-1111".getBytes(StandardCharsets.UTF_8);
        String ct = transit.encrypt("orders", secret);
        assertThat(ct).startsWith("vault:v1:");
        assertThat(transit.decrypt("orders", ct)).isEqualTo(secret);
        server.call(Operation.UPDATE, "keys/orders/rotate", null);
        String rewrapped = transit.rewrap("orders", ct);
        assertThat(rewrapped).startsWith("vault:v2:");
        assertThat(transit.decrypt("orders", rewrapped)).isEqualTo(secret);
        byte[] aad = "tenant-1".getBytes(StandardCharsets.UTF_8);
        assertThat(transit.decrypt("orders", transit.encrypt("orders", secret, aad), aad)).isEqualTo(secret);
        List<String> batch = transit.encryptBatch("orders", List.of(new byte[] {1}, new byte[] {2, 3}));
        assertThat(batch).hasSize(2);
        assertThat(transit.decrypt("orders", batch.get(1))).containsExactly(2, 3);
        assertThat(tokenCalls.get()).as("the token supplier is asked on every call").isGreaterThanOrEqualTo(7);
    }

    @Test
    void signAndVerifyWithOptions() throws Exception {
        server.call(Operation.UPDATE, "keys/rsa", "{\"type\":\"rsa-2048\"}");
        byte[] msg = "release 1.2.3".getBytes(StandardCharsets.UTF_8);
        String pss = transit.sign("rsa", msg);
        assertThat(transit.verify("rsa", msg, pss)).isTrue();
        assertThat(transit.verify("rsa", "other".getBytes(StandardCharsets.UTF_8), pss)).isFalse();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(msg);
        Transit.SignOptions pkcs = Transit.SignOptions.defaults().withPrehashed(true).withSignatureAlgorithm("pkcs1v15");
        String sig = transit.sign("rsa", digest, pkcs);
        assertThat(transit.verify("rsa", digest, sig, pkcs)).isTrue();
    }

    @Test
    void serverErrorsBecomeTransitExceptionsWithoutSecrets() {
        server.call(Operation.UPDATE, "keys/orders", "{}");
        String canary = "CANARY-" + java.util.UUID.randomUUID();
        TransitException e = catchThrowableOfType(() -> transit.decrypt("orders", "vault:v1:" + java.util.Base64.getEncoder().encodeToString(canary.getBytes())), TransitException.class);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.errors()).containsExactly("cipher: message authentication failed");
        assertThat(e.getMessage()).doesNotContain(canary);

        Transit wrongToken = Transit.builder(server.address(), () -> "not-the-token-" + canary).build();
        TransitException denied = catchThrowableOfType(() -> wrongToken.encrypt("orders", new byte[] {1}), TransitException.class);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.getMessage() + denied.errors() + wrongToken).doesNotContain(canary);

        Transit down = Transit.builder(java.net.URI.create("http://127.0.0.1:1"), () -> canary).timeout(Duration.ofSeconds(5)).build();
        TransitException unreachable = catchThrowableOfType(() -> down.encrypt("orders", new byte[] {1}), TransitException.class);
        assertThat(unreachable.status()).isZero();
        assertThat(unreachable.getMessage()).doesNotContain(canary);
    }

    @Test
    void signJwtReturnsACompactToken() {
        server.call(Operation.UPDATE, "keys/issuer", "{\"type\":\"ed25519\"}");
        String token = transit.signJwt("issuer", Map.of("sub", "svc"), Duration.ofMinutes(5));
        assertThat(token.split("\\.")).hasSize(3);
    }

    @Test
    void rejectsInvalidKeyNamesBeforeCallingTheServer() {
        assertThat(catchThrowableOfType(() -> transit.encrypt("../sys", new byte[1]), IllegalArgumentException.class)).isNotNull();
    }
}
