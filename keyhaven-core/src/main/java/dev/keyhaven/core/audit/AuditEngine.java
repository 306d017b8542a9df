package dev.keyhaven.core.audit;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The audit endpoints of the system backend, which delegates these prefixes to it ({@code SystemBackend.register}):
 * <ul>
 * <li>{@code GET sys/audit} — enabled devices, map {@code "file/": {type, description, options, local, path}} both in
 * {@code data} and at the top level (as Vault answers); {@code PUT/POST sys/audit/:path} {@code {type, description,
 * options, local}} enables; {@code DELETE sys/audit/:path} disables (idempotent). Sudo.</li>
 * <li>{@code POST sys/audit-hash/:path} {@code {input}} → {@code {hash}} (Vault's audit-hash).</li>
 * <li>{@code GET sys/audit-pubkey} → {@code {public_key (PEM), key_id, algorithm}}: checkpoints' verification key.</li>
 * <li>{@code GET sys/audit-head/:path} → the device's signed head {@code {seq, hash, time, key_id, signature}}, for
 * {@code keyhaven audit verify --expect-head}. Sudo.</li>
 * <li>{@code GET|POST sys/audit-query/:path} {@code path, since, until, accessor, operation, type, limit} → rows
 * {@code {entries: [...]}} from a store device. Sudo.</li>
 * <li>{@code GET sys/audit-verify/:path} → verification of a store device's chain. Sudo.</li>
 * <li>{@code GET sys/audit-prune/:path} {@code before (RFC 3339 or duration), from_seq, limit} → the chained lines older
 * than the cut (page by page) to back up; {@code POST sys/audit-prune/:path} {@code {first_kept, prev}} deletes what
 * was backed up (prev = hash of the last backed-up line; mismatch → 409, nothing deleted). Sudo.</li>
 * </ul>
 * Paths are accepted relative to {@code sys/} ({@code audit/file}) or in full ({@code sys/audit/file}).
 */
public final class AuditEngine implements Engine {
    /** The prefixes the system backend must delegate to this engine. */
    public static final List<String> PREFIXES = List.of("audit", "audit-hash", "audit-pubkey", "audit-head", "audit-query", "audit-verify", "audit-prune");

    private final java.util.function.Supplier<AuditBroker> brokers;
    private final AuditBroker broker; // set on the per-call instance only

    public AuditEngine(AuditBroker broker) {
        this(() -> broker);
    }

    /** For a core whose broker lives from unseal to seal: {@code supplier} returns null while sealed. */
    public AuditEngine(java.util.function.Supplier<AuditBroker> supplier) {
        this.brokers = supplier;
        this.broker = null;
    }

    private AuditEngine(AuditBroker current, boolean perCall) {
        this.brokers = () -> current;
        this.broker = current;
    }

    @Override
    public List<String> rootPaths() {
        return List.of("audit", "audit/*", "audit-head/*", "audit-query/*", "audit-verify/*", "audit-prune/*");
    }

    @Override
    public Response handle(Request request) {
        AuditBroker b = brokers.get();
        if (b == null) throw new KeyhavenException(ErrorCode.SEALED, "Keyhaven is sealed");
        return new AuditEngine(b, true).route(request);
    }

    private Response route(Request request) {
        String rel = request.relativePath();
        if (rel.startsWith("sys/")) rel = rel.substring(4);
        while (rel.startsWith("/")) rel = rel.substring(1);
        int slash = rel.indexOf('/');
        String head = slash < 0 ? rel : rel.substring(0, slash);
        String rest = slash < 0 ? "" : rel.substring(slash + 1);
        Operation op = request.operation();
        boolean write = op == Operation.CREATE || op == Operation.UPDATE;
        switch (head) {
            case "audit" -> {
                if (rest.isEmpty()) {
                    if (op == Operation.READ) return list(request);
                    throw KeyhavenException.unsupported(op, request.path());
                }
                if (write) return enable(rest, request.data());
                if (op == Operation.DELETE) {
                    broker.disable(rest);
                    return Response.empty();
                }
                throw KeyhavenException.unsupported(op, request.path());
            }
            case "audit-hash" -> {
                if (!write) throw KeyhavenException.unsupported(op, request.path());
                requireDevicePath(rest);
                Object input = request.data().get("input");
                if (!(input instanceof String s) || s.isEmpty()) throw KeyhavenException.badRequest("the \"input\" parameter is empty");
                return Response.of(Response.map("hash", broker.hash(rest, s)));
            }
            case "audit-pubkey" -> {
                if (op != Operation.READ || !rest.isEmpty()) throw KeyhavenException.unsupported(op, request.path());
                return Response.of(Response.map("public_key", broker.publicKeyPem(), "key_id", broker.keyId(), "algorithm", "Ed25519"));
            }
            case "audit-head" -> {
                if (op != Operation.READ) throw KeyhavenException.unsupported(op, request.path());
                requireDevicePath(rest);
                return Response.of(broker.signedHead(rest));
            }
            case "audit-query" -> {
                if (op != Operation.READ && !write) throw KeyhavenException.unsupported(op, request.path());
                requireDevicePath(rest);
                return query(rest, request.data());
            }
            case "audit-verify" -> {
                if (op != Operation.READ) throw KeyhavenException.unsupported(op, request.path());
                requireDevicePath(rest);
                AuditVerifier.Result r = broker.verifyStore(rest);
                return Response.of(Response.map("ok", r.ok(), "entries", r.entries(), "checkpoints", r.checkpoints(),
                        "first_seq", r.firstSeq(), "last_seq", r.lastSeq(), "message", r.message(), "problem_seq", r.problemSeq()));
            }
            case "audit-prune" -> {
                requireDevicePath(rest);
                if (op == Operation.READ) return prunePlan(rest, request.data());
                if (write) return prune(rest, request.data());
                throw KeyhavenException.unsupported(op, request.path());
            }
            default -> throw KeyhavenException.notFound();
        }
    }

    private static void requireDevicePath(String rest) {
        if (rest.isEmpty()) throw KeyhavenException.badRequest("missing audit device path");
    }

    private Response list(Request request) {
        Map<String, Object> devices = new LinkedHashMap<>();
        for (DeviceConfig c : broker.list()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("type", c.type());
            info.put("description", c.description());
            info.put("options", c.options());
            info.put("local", c.local());
            info.put("path", c.path());
            devices.put(c.path(), info);
        }
        // Vault answers with the map both in "data" and at the top level (older clients read the latter).
        Map<String, Object> body = new LinkedHashMap<>(devices);
        body.put("request_id", request.id());
        body.put("lease_id", "");
        body.put("renewable", false);
        body.put("lease_duration", 0);
        body.put("data", devices);
        body.put("wrap_info", null);
        body.put("warnings", null);
        body.put("auth", null);
        return Response.raw(200, body);
    }

    private Response enable(String path, Map<String, Object> data) {
        Object type = data.get("type");
        if (!(type instanceof String t) || t.isBlank()) throw KeyhavenException.badRequest("missing required field 'type'");
        Object desc = data.getOrDefault("description", "");
        if (desc != null && !(desc instanceof String)) throw KeyhavenException.badRequest("'description' must be a string");
        Map<String, String> options = new LinkedHashMap<>();
        Object opts = data.get("options");
        if (opts != null) {
            if (!(opts instanceof Map<?, ?> m)) throw KeyhavenException.badRequest("'options' must be a map of strings");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String v)) throw KeyhavenException.badRequest("options must be string valued");
                options.put(String.valueOf(e.getKey()), v);
            }
        }
        boolean local = bool(data.get("local"), "local");
        broker.enable(path, t, desc == null ? "" : (String) desc, options, local);
        return Response.empty();
    }

    private static boolean bool(Object v, String name) {
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof String s) {
            if (s.equalsIgnoreCase("true") || s.equals("1")) return true;
            if (s.equalsIgnoreCase("false") || s.equals("0") || s.isEmpty()) return false;
        }
        throw KeyhavenException.badRequest("'" + name + "' must be a boolean");
    }

    private static Optional<String> str(Map<String, Object> data, String key) {
        Object v = data.get(key);
        if (v == null) return Optional.empty();
        if (v instanceof List<?> l) v = l.isEmpty() ? null : l.get(0); // repeated query parameter
        if (v == null) return Optional.empty();
        String s = v.toString().trim();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    private static int intParam(Map<String, Object> data, String key, int dflt, int min, int max) {
        Optional<String> s = str(data, key);
        if (s.isEmpty()) return dflt;
        try {
            long n = Long.parseLong(s.get());
            if (n < min || n > max) throw new NumberFormatException();
            return (int) n;
        } catch (NumberFormatException e) {
            throw KeyhavenException.badRequest("'" + key + "' must be an integer between " + min + " and " + max);
        }
    }

    private static long longParam(Map<String, Object> data, String key, long dflt) {
        Optional<String> s = str(data, key);
        if (s.isEmpty()) return dflt;
        try {
            long n = Long.parseLong(s.get());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw KeyhavenException.badRequest("'" + key + "' must be a non-negative integer");
        }
    }

    private Instant time(Map<String, Object> data, String key) {
        try {
            return AuditTimes.instant(str(data, key).orElseThrow(), broker.clock().instant());
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest("'" + key + "': " + e.getMessage());
        }
    }

    private Response query(String device, Map<String, Object> data) {
        AuditQuery q;
        try {
            q = new AuditQuery(str(data, "path"),
                    str(data, "since").map(s -> time(data, "since")),
                    str(data, "until").map(s -> time(data, "until")),
                    str(data, "accessor"), str(data, "operation"),
                    str(data, "type").orElse("response"), intParam(data, "limit", 1000, 1, 10_000));
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest(e.getMessage());
        }
        List<Map<String, Object>> rows = broker.query(device, q);
        return Response.of(Response.map("entries", rows, "count", rows.size()));
    }

    private Response prunePlan(String device, Map<String, Object> data) {
        if (str(data, "before").isEmpty()) throw KeyhavenException.badRequest("missing 'before' (an RFC 3339 time or a duration such as 90d)");
        Instant cut = time(data, "before");
        long from = longParam(data, "from_seq", 0);
        int limit = intParam(data, "limit", 5000, 1, 50_000);
        StoreAuditDevice store = broker.store(device);
        AuditChain.Head anchor = store.anchor();
        AuditChain.Head head = store.head();
        List<String> lines = new ArrayList<>();
        long first = -1;
        long last = -1;
        boolean more = false;
        for (AuditDevice.Line l : broker.lines(device, Math.max(from, anchor.seq()), limit + 1)) {
            AuditVerifier.Parsed p = AuditVerifier.parse(l.bytes());
            Instant t = p == null ? null : AuditTimes.entryTime(p);
            if (t == null || !t.isBefore(cut) || l.seq() >= head.seq()) break; // the newest entry always stays
            if (lines.size() == limit) {
                more = true;
                break;
            }
            if (first < 0) first = l.seq();
            last = l.seq();
            lines.add(new String(l.bytes(), StandardCharsets.UTF_8));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("anchor_seq", anchor.seq());
        out.put("anchor_prev", anchor.hash());
        out.put("head_seq", head.seq());
        out.put("first_seq", first);
        out.put("last_seq", last);
        out.put("more", more);
        out.put("lines", lines);
        return Response.of(out);
    }

    private Response prune(String device, Map<String, Object> data) {
        long firstKept = longParam(data, "first_kept", -1);
        if (firstKept < 1) throw KeyhavenException.badRequest("missing 'first_kept' (the first sequence number to keep)");
        String prev = str(data, "prev").orElseThrow(() -> KeyhavenException.badRequest("missing 'prev' (sha256 of the last backed-up entry)"));
        if (!prev.matches("[0-9a-f]{64}")) throw KeyhavenException.badRequest("'prev' must be 64 lowercase hex digits");
        broker.pruneStore(device, firstKept, prev);
        return Response.of(Response.map("first_kept", firstKept, "anchor_prev", prev));
    }
}
