package dev.keyhaven.server.auth;

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

/** A real dev server on loopback, and a minimal HTTP client that sends exactly the requests a test spells out. */
final class AuthServer implements AutoCloseable {
    final KeyhavenServer server;
    final String root;
    final String url;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();

    record Res(int status, String body) {
        Map<String, Object> json() {
            return Json.parseObject(body.getBytes(StandardCharsets.UTF_8));
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> auth() {
            return (Map<String, Object>) json().get("auth");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> data() {
            return (Map<String, Object>) json().get("data");
        }
    }

    AuthServer(Path dir, String root) {
        this.root = root;
        this.server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(root), Optional.of("127.0.0.1:0"), Optional.of(dir)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> { });
        this.url = server.url();
    }

    /** Enables an auth method the way {@code vault auth enable -path=P TYPE} does: {@code POST /v1/sys/auth/P {"type": TYPE}}. */
    void enable(String path, String type) {
        Res r = rootPost("/v1/sys/auth/" + path, Map.of("type", type));
        if (r.status() != 204) throw new AssertionError("enabling " + type + " at auth/" + path + " answered " + r.status() + " " + r.body());
    }

    Res send(String method, String path, String token, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Vault-Token", token);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
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

    Res rootPost(String path, Object body) {
        return send("POST", path, root, new String(Json.write(body), StandardCharsets.UTF_8), "Content-Type", "application/json");
    }

    @Override
    public void close() {
        server.stop();
    }
}
