package dev.keyhaven.client.transit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.transit.TransitEngine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real {@link TransitEngine} on in-memory storage behind a minimal loopback HTTP adapter speaking Vault's
 * envelope ({@code data}, {@code errors}), so the SDK is tested over real HTTP without the full server. Requests
 * need the token unless the engine declares the path unauthenticated (jwks/*). Counts JWKS fetches.
 */
final class TransitTestServer implements AutoCloseable {
    final String token = "test-token-" + UUID.randomUUID();
    final TransitEngine engine;
    final AtomicInteger jwksFetches = new AtomicInteger();
    private final HttpServer server;

    TransitTestServer(Clock clock) {
        engine = new TransitEngine(new EngineContext("transit/", "transit_test", "transit", Map.of(), new MemoryStorage(), clock));
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/transit/", this::handle);
        server.start();
    }

    URI address() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Calls the engine directly (setup steps). */
    Map<String, Object> call(Operation op, String path, String json) {
        Request r = Request.builder(op, "transit/" + path).data(json == null ? Map.of() : Json.parseObject(json.getBytes())).build();
        r.setMount("transit/", "transit", "transit_test", path);
        Response resp = engine.handle(r);
        return resp.data();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String rel = ex.getRequestURI().getPath().substring("/v1/transit/".length());
            Operation op = switch (ex.getRequestMethod()) {
                case "GET" -> "list=true".equals(ex.getRequestURI().getQuery()) ? Operation.LIST : Operation.READ;
                case "POST", "PUT" -> Operation.UPDATE;
                case "DELETE" -> Operation.DELETE;
                case "LIST" -> Operation.LIST;
                default -> null;
            };
            if (op == null) {
                send(ex, 405, Map.of("errors", List.of("unsupported operation")));
                return;
            }
            boolean open = engine.unauthenticatedPaths().stream().anyMatch(p -> p.endsWith("*") ? rel.startsWith(p.substring(0, p.length() - 1)) : rel.equals(p));
            if (!open && !token.equals(ex.getRequestHeaders().getFirst("X-Vault-Token"))) {
                send(ex, 403, Map.of("errors", List.of("permission denied")));
                return;
            }
            if (rel.startsWith("jwks/")) jwksFetches.incrementAndGet();
            try {
                Request r = Request.builder(op, "transit/" + rel).data(Json.parseObject(ex.getRequestBody().readAllBytes())).build();
                r.setMount("transit/", "transit", "transit_test", rel);
                Response resp = engine.handle(r);
                if (resp.isRaw()) {
                    send(ex, resp.status(), resp.raw());
                    return;
                }
                Map<String, Object> env = new LinkedHashMap<>();
                env.put("request_id", UUID.randomUUID().toString());
                env.put("lease_id", "");
                env.put("renewable", false);
                env.put("lease_duration", 0);
                env.put("data", resp.data());
                env.put("wrap_info", null);
                env.put("warnings", resp.warnings().isEmpty() ? null : resp.warnings());
                env.put("auth", null);
                if (resp.status() == 204) {
                    ex.sendResponseHeaders(204, -1);
                    return;
                }
                send(ex, resp.status(), env);
            } catch (KeyhavenException e) {
                send(ex, e.code().httpStatus(), Map.of("errors", e.errors()));
            }
        }
    }

    private static void send(HttpExchange ex, int status, Map<String, Object> body) throws IOException {
        byte[] b = Json.write(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
