package dev.keyhaven.client.vault;

import dev.keyhaven.client.internal.Json;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Keyhaven server in dev mode (initialised, unsealed, KV v2 at {@code secret/}, a known root token) for
 * the SDK's server-backed tests, reached over real loopback HTTP. Two ways to start it:
 * <ul>
 *   <li>in-process, when keyhaven-server is on the test class path (a test-scoped dependency):
 *       {@code KeyhavenServer.start(new ServerOptions(dev...), out, level)} on an ephemeral port; called
 *       reflectively so this module compiles without the server;</li>
 *   <li>otherwise {@code keyhaven server -dev} in a child JVM (the invocation keyhaven-bench uses), from
 *       {@code -Dkeyhaven.jar} or {@code keyhaven-cli/target/keyhaven.jar}.</li>
 * </ul>
 * Setup calls (writing secrets, sealing) go through the JDK HTTP client, independent of the SDK under test.
 */
final class KeyhavenDevServer implements AutoCloseable {

    private final Process process;
    private final AutoCloseable inProcess;
    private final String address;
    private final String rootToken;
    private final Path dataDir;
    private final HttpClient http = HttpClient.newHttpClient();

    private KeyhavenDevServer(Process process, AutoCloseable inProcess, String address, String rootToken, Path dataDir) {
        this.process = process;
        this.inProcess = inProcess;
        this.address = address;
        this.rootToken = rootToken;
        this.dataDir = dataDir;
    }

    static KeyhavenDevServer start() throws IOException, InterruptedException {
        String token = "sdk-test-root-" + UUID.randomUUID();
        Path data = Files.createTempDirectory("keyhaven-sdk-test");
        Class<?> serverClass;
        try {
            serverClass = Class.forName("dev.keyhaven.server.KeyhavenServer");
        } catch (ClassNotFoundException e) {
            return startChild(token, data);
        }
        try {
            Class<?> options = Class.forName("dev.keyhaven.server.ServerOptions");
            Object opts = options.getConstructor(boolean.class, java.util.Optional.class, java.util.Optional.class,
                    java.util.Optional.class, java.util.Optional.class)
                    .newInstance(true, java.util.Optional.empty(), java.util.Optional.of(token),
                            java.util.Optional.of("127.0.0.1:0"), java.util.Optional.of(data));
            java.util.function.Consumer<String> ignoreLevel = level -> { };
            Object server = serverClass.getMethod("start", options, java.io.PrintStream.class, java.util.function.Consumer.class)
                    .invoke(null, opts, new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, StandardCharsets.UTF_8), ignoreLevel);
            String url = (String) serverClass.getMethod("url").invoke(server);
            return new KeyhavenDevServer(null, (AutoCloseable) server, url, token, data);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("keyhaven-server is on the class path but its dev entry point changed: " + e);
        }
    }

    private static KeyhavenDevServer startChild(String token, Path data) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar().toString(), "server", "-dev",
                "-dev-listen-address", "127.0.0.1:" + port,
                "-dev-root-token-id", token,
                "-dev-data-dir", data.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(data.resolve("server.log").toFile()).start();
        KeyhavenDevServer server = new KeyhavenDevServer(p, null, "http://127.0.0.1:" + port, token, data);
        server.awaitHealthy();
        return server;
    }

    private static Path jar() {
        String prop = System.getProperty("keyhaven.jar");
        if (prop != null) {
            return Path.of(prop);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path jar = dir.resolve("keyhaven-cli/target/keyhaven.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("keyhaven-cli/target/keyhaven.jar not found: package keyhaven-cli first or pass -Dkeyhaven.jar=PATH");
    }

    /** Polls sys/health until 200; the process dying or 60 s passing fails (a readiness probe, not a sleep). */
    private void awaitHealthy() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited early; see " + dataDir.resolve("server.log"));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(address() + "/v1/sys/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        close();
        throw new IllegalStateException("server did not become healthy within 60 s");
    }

    String address() {
        return address;
    }

    String rootToken() {
        return rootToken;
    }

    /** A setup call with the root token; fails the test on any status >= 400. */
    Map<String, Object> call(String method, String path, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address() + "/v1/" + path))
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

    @Override
    public void close() {
        if (inProcess != null) {
            try {
                inProcess.close();
            } catch (Exception e) {
                throw new IllegalStateException("stopping the in-process server failed: " + e.getClass().getSimpleName());
            }
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
