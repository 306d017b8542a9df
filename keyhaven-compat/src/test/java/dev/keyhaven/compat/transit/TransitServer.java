package dev.keyhaven.compat.transit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.util.Json;
import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A real dev server (Netty edge, SQLite store, barrier) on an ephemeral loopback port with transit mounted at
 * {@code transit/} over HTTP, and a JDK HTTP client that sends requests exactly as given.
 */
final class TransitServer implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();
    final String token = "transit-test-" + UUID.randomUUID();
    final KeyhavenServer server;

    record Res(int status, String body) {
        Map<String, Object> json() {
            return Json.parseObject(body.getBytes(StandardCharsets.UTF_8));
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> data() {
            return (Map<String, Object>) json().get("data");
        }
    }

    TransitServer(Path dir) {
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(token), Optional.of("127.0.0.1:0"), Optional.of(dir)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        Res mount = send("POST", "/v1/sys/mounts/transit", "{\"type\":\"transit\",\"description\":\"transit for tests\"}", true);
        assertThat(mount.status()).as("mount transit: " + mount.body()).isIn(200, 204);
    }

    String url() {
        return server.url();
    }

    Res send(String method, String path, String body, boolean withToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("X-Vault-Request", "true");
        if (body != null) b.header("Content-Type", "application/json");
        if (withToken) b.header("X-Vault-Token", token);
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Res(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    /** PUT, as the Vault Go client's Logical().Write sends every write. */
    Res write(String path, String body) {
        return send("PUT", path, body, true);
    }

    Res read(String path) {
        return send("GET", path, null, true);
    }

    Map<String, Object> ok(Res r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.data();
    }

    @Override
    public void close() {
        server.stop();
    }
}
