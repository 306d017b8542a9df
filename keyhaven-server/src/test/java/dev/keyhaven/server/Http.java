package dev.keyhaven.server;

import dev.keyhaven.core.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A small real HTTP client for tests (java.net.http), plus a raw-socket sender for requests it refuses to make. */
final class Http {
    record Res(int status, String body, HttpResponse<String> raw) {
        Map<String, Object> json() {
            return Json.parseObject(body.getBytes(StandardCharsets.UTF_8));
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> data() {
            return (Map<String, Object>) json().get("data");
        }
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private String token;

    Http(String base) {
        this.base = base;
    }

    Http token(String t) {
        this.token = t;
        return this;
    }

    Res send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Vault-Token", token);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Res(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    Res get(String path) {
        return send("GET", path, null);
    }

    Res put(String path, String json) {
        return send("PUT", path, json, "Content-Type", "application/json");
    }

    Res post(String path, String json) {
        return send("POST", path, json, "Content-Type", "application/json");
    }

    Res delete(String path) {
        return send("DELETE", path, null);
    }

    Res list(String path) {
        return send("LIST", path, null);
    }

    /** Sends bytes verbatim over a socket and returns the status line's code and the body. */
    static int[] rawStatus(String host, int port, String request) {
        return new int[] {Integer.parseInt(raw(host, port, request).split(" ", 3)[1])};
    }

    static String raw(String host, int port, String request) {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(20000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) buf.write(chunk, 0, n);
            return buf.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
