package dev.keyhaven.core.alerts;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.core.notify.WebhookSigner;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.util.Json;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The webhook posts a signed alert to a real HTTP server over loopback. */
class AlertWebhookTest {
    private record Received(String signature, String contentType, byte[] body) {}

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final HttpServer server;
    private final MutableClock clock = new MutableClock(Instant.now());

    AlertWebhookTest() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            received.add(new Received(ex.getRequestHeaders().getFirst(WebhookSigner.HEADER), ex.getRequestHeaders().getFirst("Content-Type"), body));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void alertIsPostedAsSignedJson() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        WebhookSigner signer = new WebhookSigner(secret);
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
        try (AlertWebhook hook = new AlertWebhook(url, Optional.of(signer), Duration.ofSeconds(5), clock)) {
            AlertEngine engine = new AlertEngine(clock, AlertConfig.DEFAULTS, new AlertStore(new MemoryStorage(), 10), Optional.empty(), Optional.of(hook));
            engine.onExpiredCredentialUse("revoked_token", "ZZZZZZZZzzzzzzzzzzzzzzzz", "192.0.2.1");

            Received r = received.poll(30, TimeUnit.SECONDS);
            assertThat(r).as("webhook delivery").isNotNull();
            assertThat(r.contentType()).isEqualTo("application/json");
            assertThat(signer.verify(r.signature(), r.body(), clock.instant())).isTrue();
            Map<String, Object> body = Json.parseObject(r.body());
            assertThat(body).containsEntry("type", "keyhaven.alert");
            assertThat(body.get("alert").toString()).contains("expired_credential").contains("ZZZZZZZZ...").doesNotContain("zzzzzzzz");
            assertThat(hook.toString()).doesNotContain("/hook");
        }
    }

    @Test
    void onlyAbsoluteHttpUrlsAreAccepted() {
        assertThatThrownBy(() -> new AlertWebhook(URI.create("file:///etc/passwd"), Optional.empty(), Duration.ofSeconds(1), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://");
        assertThatThrownBy(() -> new AlertWebhook(URI.create("/relative"), Optional.empty(), Duration.ofSeconds(1), clock))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AlertWebhook(URI.create("http://127.0.0.1/"), Optional.empty(), Duration.ofHours(1), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }
}
