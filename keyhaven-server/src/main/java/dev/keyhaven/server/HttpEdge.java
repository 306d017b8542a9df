package dev.keyhaven.server;

import dev.keyhaven.core.Keyhaven;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.util.Json;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP-to-logical adapter, free of Netty's threading: turns one complete HTTP request into a logical
 * {@link Request}, runs it through the core, and renders the result as status + JSON bytes. Never throws: every
 * failure becomes a Vault-style {@code {"errors":[...]}} body; unexpected ones become 500 {@code internal error}
 * with the detail only in the server log.
 */
final class HttpEdge {
    private static final Logger log = LoggerFactory.getLogger(HttpEdge.class);

    /** A rendered response. {@code body} is empty for 204 and HEAD. */
    record Rendered(int status, String contentType, byte[] body) {}

    private final Keyhaven core;

    HttpEdge(Keyhaven core) {
        this.core = core;
    }

    Rendered serve(FullHttpRequest http, String remoteAddress) {
        java.util.concurrent.CompletableFuture<Rendered> out = new java.util.concurrent.CompletableFuture<>();
        serve(http, remoteAddress, null, out::complete);
        return out.join();
    }

    /**
     * Serves one request; {@code done} gets the rendered answer, right away or, when the core is still writing the
     * audit entries of a read, once they are in the log (a 503 if they cannot be), from the thread that wrote them:
     * {@code auditWriteOn} (the connection's event loop) or the audit writer. The response is rendered here, in the
     * caller's thread, but handed over only then. {@code done} must be quick. A null {@code auditWriteOn} means the
     * caller waits for the audit itself (no asynchronous answer).
     */
    void serve(FullHttpRequest http, String remoteAddress, java.util.concurrent.Executor auditWriteOn, java.util.function.Consumer<Rendered> done) {
        String requestId = Request.newId();
        boolean head = http.method().equals(HttpMethod.HEAD);
        String path = null;
        Rendered out;
        try {
            Request req = toLogical(http, requestId, remoteAddress);
            path = req.path();
            if (auditWriteOn != null) req.allowAsyncAudit(auditWriteOn);
            Response resp = core.handle(req);
            out = render(resp, req, head);
            dev.keyhaven.core.logical.AuditGate gate = req.auditGate();
            if (gate != null) {
                Rendered ok = out;
                gate.then(failure -> done.accept(failure == null ? ok : error(failure.code().httpStatus(), failure.errors(), head)));
                return;
            }
        } catch (KeyhavenException e) {
            if (e.code() == ErrorCode.INTERNAL) log.error("request {} {} failed: {}", requestId, path == null ? "" : path, e.getMessage(), e);
            out = error(e.code().httpStatus(), e.errors(), head);
        } catch (RuntimeException | Error e) {
            log.error("request {} {} failed with an unexpected error", requestId, path == null ? "(unparsed)" : path, e);
            out = error(500, List.of("internal error"), head);
        }
        done.accept(out);
    }

    // ------------------------------------------------------------------ request

    Request toLogical(FullHttpRequest http, String requestId, String remoteAddress) {
        String uri = http.uri();
        if (!uri.startsWith("/")) throw KeyhavenException.badRequest("invalid request URI: expected an absolute path");
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String rawQuery = q < 0 ? "" : uri.substring(q + 1);
        int hash = rawQuery.indexOf('#');
        if (hash >= 0) rawQuery = rawQuery.substring(0, hash);
        String decoded = percentDecode(rawPath);
        if (!decoded.startsWith("/v1/")) {
            throw new KeyhavenException(ErrorCode.NOT_FOUND, decoded.equals("/v1") ? List.of("missing path after /v1/") : List.of(), null);
        }
        String path = validatePath(decoded.substring(4));

        Map<String, List<String>> query;
        try {
            query = new QueryStringDecoder("?" + rawQuery, StandardCharsets.UTF_8).parameters();
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest("invalid query string: malformed percent-encoding");
        }

        HttpMethod m = http.method();
        Operation op;
        String name = m.name();
        switch (name) {
            case "GET":
            case "HEAD":
                op = query.containsKey("list") && truthy(first(query, "list")) ? Operation.LIST : Operation.READ;
                break;
            case "LIST": op = Operation.LIST; break;
            case "POST":
            case "PUT": op = Operation.UPDATE; break;
            case "PATCH": op = Operation.PATCH; break;
            case "DELETE": op = Operation.DELETE; break;
            default:
                throw new KeyhavenException(ErrorCode.UNSUPPORTED_OPERATION, "unsupported method " + printable(name));
        }

        String contentType = http.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        Map<String, Object> data;
        if (op == Operation.UPDATE || op == Operation.PATCH) {
            byte[] body = new byte[http.content().readableBytes()];
            http.content().getBytes(http.content().readerIndex(), body);
            data = parseBody(op, contentType, body);
        } else {
            // Vault merges query parameters into the data of reads, lists and deletes
            data = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : query.entrySet()) {
                if (e.getKey().equals("list") && op == Operation.LIST) continue;
                data.put(e.getKey(), e.getValue().isEmpty() ? "" : e.getValue().get(0));
            }
        }

        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> h : http.headers()) {
            String k = h.getKey().toLowerCase(Locale.ROOT);
            if (k.equals("x-vault-token") || k.equals("authorization") || k.equals("cookie")) continue; // never keep credentials
            headers.put(k, h.getValue());
        }
        return Request.builder(op, path).id(requestId).data(data).query(query).headers(headers).clientToken(token(http))
                .remoteAddress(remoteAddress).contentType(contentType).build();
    }

    private static String first(Map<String, List<String>> q, String k) {
        List<String> v = q.get(k);
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    private static boolean truthy(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        return v.equals("true") || v.equals("1") || v.equals("t");
    }

    static String token(FullHttpRequest http) {
        String t = http.headers().get("X-Vault-Token");
        if (t != null && !t.isBlank()) return t.trim();
        String auth = http.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String v = auth.substring(7).trim();
            return v.isEmpty() ? null : v;
        }
        return null;
    }

    static Map<String, Object> parseBody(Operation op, String contentTypeHeader, byte[] body) {
        String mime = contentTypeHeader.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (op == Operation.PATCH) {
            if (!mime.equals("application/merge-patch+json")) {
                throw new KeyhavenException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "PATCH requires Content-Type: application/merge-patch+json");
            }
            return Json.parseObject(body);
        }
        switch (mime) {
            case "":
            case "application/json":
                return Json.parseObject(body);
            case "application/x-www-form-urlencoded":
                // curl -d sends this type; like Vault, a body that looks like JSON is parsed as JSON, else as a form
                if (looksLikeJson(body)) return Json.parseObject(body);
                return parseForm(body);
            default:
                throw new KeyhavenException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                        "unsupported Content-Type \"" + printable(mime) + "\": send application/json");
        }
    }

    private static boolean looksLikeJson(byte[] body) {
        for (byte b : body) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') continue;
            return b == '{';
        }
        return true; // empty
    }

    private static Map<String, Object> parseForm(byte[] body) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw KeyhavenException.badRequest("failed to parse form body: not valid UTF-8");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, List<String>> e : new QueryStringDecoder("?" + s, StandardCharsets.UTF_8).parameters().entrySet()) {
                out.put(e.getKey(), e.getValue().isEmpty() ? "" : e.getValue().get(0));
            }
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest("failed to parse form body: malformed percent-encoding");
        }
        return out;
    }

    /** Decodes %XX once, strictly; the result must be valid UTF-8. */
    static String percentDecode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '%') {
                if (i + 2 >= bytes.length) throw KeyhavenException.badRequest("invalid request path: truncated percent-encoding");
                int hi = Character.digit(bytes[i + 1], 16), lo = Character.digit(bytes[i + 2], 16);
                if (hi < 0 || lo < 0) throw KeyhavenException.badRequest("invalid request path: malformed percent-encoding");
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(b);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw KeyhavenException.badRequest("invalid request path: not valid UTF-8");
        }
    }

    /** Rejects control characters, empty segments and dot segments; keeps one trailing slash (folder listing). */
    static String validatePath(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) throw KeyhavenException.badRequest("invalid request path: control characters are not allowed");
        }
        if (path.startsWith("/") || path.contains("//")) throw KeyhavenException.badRequest("invalid request path: empty path segment ('//')");
        String body = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        for (String seg : body.split("/", -1)) {
            if (seg.equals(".") || seg.equals("..")) throw KeyhavenException.badRequest("invalid request path: '.' and '..' segments are not allowed");
        }
        return path;
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (sb.length() > 64) return sb.append("...").toString();
            sb.append(c < 0x20 || c == 0x7f ? "?" : String.valueOf(c));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ response

    Rendered render(Response resp, Request req, boolean head) {
        int status = resp.status();
        if (resp.rawBytes() != null) return new Rendered(status, resp.rawContentType(), head ? new byte[0] : resp.rawBytes());
        if (resp.raw() != null) return json(status, resp.raw(), head);
        if (status == 204) return new Rendered(204, null, new byte[0]);
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("request_id", req.id());
        env.put("lease_id", resp.leaseId());
        env.put("renewable", resp.renewable());
        env.put("lease_duration", resp.leaseDuration());
        env.put("data", resp.data());
        env.put("wrap_info", null);
        env.put("warnings", resp.warnings().isEmpty() ? null : new ArrayList<>(resp.warnings()));
        env.put("auth", resp.auth());
        env.put("mount_type", req.mountType());
        return json(status, env, head);
    }

    static Rendered error(int status, List<String> errors, boolean head) {
        return json(status, Map.of("errors", errors), head);
    }

    static Rendered json(int status, Object body, boolean head) {
        return new Rendered(status, "application/json", head ? new byte[0] : Json.write(body));
    }
}
