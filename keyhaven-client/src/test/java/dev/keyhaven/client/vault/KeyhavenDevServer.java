package dev.keyhaven.client.vault;

import dev.keyhaven.client.internal.Json;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A real Keyhaven server in dev mode (initialised, unsealed, KV v2 at {@code secret/}, tokens at
 * {@code auth/token/}, a known root token), started in-process through keyhaven-server's entry point on an
 * ephemeral loopback port and reached over real HTTP. Setup calls (writing secrets, sealing, creating tokens)
 * use the JDK HTTP client, independent of the SDK under test.
 */
final class KeyhavenDevServer implements AutoCloseable {

    private final KeyhavenServer server;
    private final String rootToken;
    private final String address;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Path dataDir;

    private KeyhavenDevServer(KeyhavenServer server, String rootToken, Path dataDir) {
        this.server = server;
        this.rootToken = rootToken;
        this.address = server.url();
        this.dataDir = dataDir;
    }

    static KeyhavenDevServer start() throws IOException {
        String token = "sdk-test-root-" + UUID.randomUUID();
        Path data = Files.createTempDirectory("keyhaven-sdk-test");
        KeyhavenServer s = KeyhavenServer.start(
                new ServerOptions(true, Optional.empty(), Optional.of(token), Optional.of("127.0.0.1:0"), Optional.of(data)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), level -> { });
        return new KeyhavenDevServer(s, token, data);
    }

    String address() {
        return address;
    }

    String rootToken() {
        return rootToken;
    }

    /** A setup call with the root token; fails the test on any status >= 400. */
    Map<String, Object> call(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                .header("X-Vault-Token", rootToken);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) {
            throw new IllegalStateException(method + " " + path + " -> HTTP " + r.statusCode());
        }
        return r.body().isBlank() ? Map.of() : Json.parseObject(r.body());
    }

    /** Writes a new KV v2 version at {@code secret/<path>}. */
    void writeKv(String path, Map<String, Object> data) throws IOException, InterruptedException {
        call("POST", "secret/data/" + path, Map.of("data", data));
    }

    /** Stops the server and removes its temporary data directory. */
    @Override
    public void close() {
        server.close();
        try (java.util.stream.Stream<Path> files = Files.walk(dataDir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not remove " + dataDir, e);
        }
    }
}
