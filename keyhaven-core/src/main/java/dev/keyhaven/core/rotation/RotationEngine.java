package dev.keyhaven.core.rotation;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.rotation.RotationRecord.SecretVersion;
import dev.keyhaven.core.storage.Storage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The {@code sys/rotation/...} endpoints; the system backend delegates every path under {@code sys/rotation/} here
 * (the relative path may start with {@code rotation/} or not).
 *
 * <ul>
 *   <li>{@code policy/:name}: READ, CREATE/UPDATE (fields, or an HCL/JSON document in {@code policy}), DELETE;
 *       {@code policy} LIST.</li>
 *   <li>{@code categories}: READ, the default categories.</li>
 *   <li>{@code status}: READ, the rotation calendar (every managed secret, its policy, last and next rotation, overdue
 *       flag); {@code status/:path}: one secret with its versions.</li>
 *   <li>{@code rotate/:path}: UPDATE, emergency rotation now ({@code revoke_previous=true} skips the overlap);
 *       recorded as an incident. Needs {@code sudo}.</li>
 *   <li>{@code confirm/:path}: UPDATE with {@code data} = the new value's fields, completing a webhook rotation.</li>
 * </ul>
 */
public final class RotationEngine implements Engine {
    private final RotationService service;
    private final RotationScheduler scheduler;

    public RotationEngine(RotationService service, RotationScheduler scheduler) {
        this.service = service;
        this.scheduler = scheduler;
    }

    /** Wiring for a server: built-in rotators, a random jitter source, and the given leader lock. */
    public static RotationEngine create(Storage storage, LogicalClient logical, RotationAudit audit, Clock clock, LeaderLock leader,
                                        java.time.Duration tick) {
        RotationService svc = new RotationService(storage, logical, RotatorRegistry.builtIn(), audit, clock, new Random());
        return new RotationEngine(svc, new RotationScheduler(svc, leader, tick));
    }

    public RotationService service() {
        return service;
    }

    public RotationScheduler scheduler() {
        return scheduler;
    }

    @Override
    public List<String> rootPaths() {
        return List.of("rotate/*", "rotation/rotate/*");
    }

    @Override
    public Response handle(Request request) {
        String rel = request.relativePath();
        if (rel.startsWith("/")) rel = rel.substring(1);
        if (rel.equals("rotation")) rel = "";
        else if (rel.startsWith("rotation/")) rel = rel.substring("rotation/".length());
        Operation op = request.operation() == Operation.CREATE ? Operation.UPDATE : request.operation();
        Map<String, Object> data = request.data();

        if (rel.equals("policy") || rel.equals("policy/") || rel.equals("policies") || rel.equals("policies/")) {
            if (op != Operation.LIST && op != Operation.READ) throw KeyhavenException.unsupported(op, rel);
            List<String> names = service.policyNames();
            if (names.isEmpty()) throw KeyhavenException.notFound();
            return Response.of(Response.map("keys", names));
        }
        if (rel.startsWith("policy/")) return policy(op, rel.substring("policy/".length()), data);
        if (rel.equals("categories")) {
            requireOp(op, Operation.READ, rel);
            return Response.of(categories());
        }
        if (rel.equals("status")) {
            requireOp(op, Operation.READ, rel);
            return Response.of(calendar());
        }
        if (rel.startsWith("status/")) {
            requireOp(op, Operation.READ, rel);
            String path = RotationPolicy.checkPath(rel.substring("status/".length()));
            RotationRecord r = service.record(path).orElseThrow(() -> RotationException.notFound("no secret under rotation at " + path));
            return Response.of(entry(r, service.clock().instant(), true));
        }
        if (rel.startsWith("rotate/")) {
            requireOp(op, Operation.UPDATE, rel);
            return rotate(rel.substring("rotate/".length()), data, request);
        }
        if (rel.startsWith("confirm/")) {
            requireOp(op, Operation.UPDATE, rel);
            String path = RotationPolicy.checkPath(rel.substring("confirm/".length()));
            Object d = data.get("data");
            if (!(d instanceof Map<?, ?> m) || m.isEmpty()) throw KeyhavenException.badRequest("'data' must be an object with the new value's fields");
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) fields.put(String.valueOf(e.getKey()), e.getValue());
            RotationRecord r = service.confirm(path, new SecretData(fields));
            return Response.of(entry(r, service.clock().instant(), true));
        }
        throw new KeyhavenException(dev.keyhaven.core.logical.ErrorCode.NOT_FOUND, "unsupported path: sys/rotation/" + RotationPolicy.printable(rel));
    }

    private Response policy(Operation op, String name, Map<String, Object> data) {
        if (name.isEmpty() || name.endsWith("/")) {
            if (op == Operation.LIST) return handleListOnly();
            throw KeyhavenException.badRequest("missing policy name");
        }
        return switch (op) {
            case READ -> Response.of(service.policy(name).orElseThrow(KeyhavenException::notFound).toResponse());
            case UPDATE -> {
                RotationPolicy p = service.writePolicy(RotationPolicy.parse(name, data));
                yield Response.of(p.toResponse());
            }
            case DELETE -> {
                service.deletePolicy(name);
                yield Response.empty();
            }
            default -> throw KeyhavenException.unsupported(op, "policy/" + name);
        };
    }

    private Response handleListOnly() {
        List<String> names = service.policyNames();
        if (names.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(Response.map("keys", names));
    }

    private Response rotate(String rawPath, Map<String, Object> data, Request request) {
        String path = RotationPolicy.checkPath(rawPath);
        if (path.endsWith("*")) throw KeyhavenException.badRequest("rotate needs one secret path, not a pattern");
        for (String k : data.keySet()) {
            if (!k.equals("revoke_previous") && !k.equals("now")) throw KeyhavenException.badRequest("unknown field '" + RotationPolicy.printable(k) + "' (allowed: revoke_previous)");
        }
        boolean revoke = bool(data.get("revoke_previous"), "revoke_previous");
        RotationPolicy p = service.policyFor(path).orElseThrow(() -> RotationException.notFound("no rotation policy covers " + path));
        RotationService.Outcome out = service.rotateNow(path, "emergency", revoke);
        service.incident(path, p, out.record(), revoke, request.remoteAddress());
        Map<String, Object> body = entry(out.record(), service.clock().instant(), true);
        Response r = Response.of(body);
        if (out.awaitingConfirmation()) {
            r.status(202).warning("the new value must be confirmed at sys/rotation/confirm/" + path + "; the old value stays valid until then");
        }
        return r;
    }

    private static boolean bool(Object v, String field) {
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        if (v instanceof String s) {
            if (s.equalsIgnoreCase("true") || s.equals("1")) return true;
            if (s.equalsIgnoreCase("false") || s.equals("0") || s.isEmpty()) return false;
        }
        throw KeyhavenException.badRequest("'" + field + "' must be true or false");
    }

    private static void requireOp(Operation op, Operation wanted, String rel) {
        if (op != wanted) throw KeyhavenException.unsupported(op, rel);
    }

    private static Map<String, Object> categories() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Category c : Category.values()) {
            out.put(c.id(), Response.map("interval", DurationText.format(c.interval()), "overlap", DurationText.format(c.overlap()),
                    "rotator", c.rotator(), "description", c.description()));
        }
        return out;
    }

    /** The rotation calendar, soonest first; overdue = the next rotation time has passed without a rotation. */
    public Map<String, Object> calendar() {
        Instant now = service.clock().instant();
        List<RotationRecord> recs = new ArrayList<>(service.records());
        recs.sort(Comparator.comparingLong(RotationRecord::nextRotation).thenComparing(RotationRecord::path));
        List<Object> secrets = new ArrayList<>();
        int overdue = 0;
        List<String> keys = new ArrayList<>();
        for (RotationRecord r : recs) {
            Map<String, Object> e = entry(r, now, false);
            if (Boolean.TRUE.equals(e.get("overdue"))) overdue++;
            secrets.add(e);
            keys.add(r.path());
        }
        return Response.map("now", now.toString(), "keys", keys, "secrets", secrets, "overdue_count", overdue);
    }

    private Map<String, Object> entry(RotationRecord r, Instant now, boolean withVersions) {
        Map<String, Object> e = new LinkedHashMap<>();
        boolean policyExists = service.policy(r.policy()).isPresent();
        e.put("path", r.path());
        e.put("policy", r.policy());
        e.put("rotator", r.rotator());
        String state;
        if (!policyExists) state = "policy_missing";
        else if (r.inflight() != null) state = r.inflight().step().equals("awaiting") ? "awaiting_confirmation" : "rotating";
        else if (r.attempts() > 0) state = "failing";
        else if (r.previous().isPresent()) state = "overlap";
        else state = "idle";
        e.put("state", state);
        e.put("current_version", r.current().map(SecretVersion::version).orElse(0L));
        e.put("current_label", r.current().map(SecretVersion::label).orElse(""));
        e.put("previous_version", r.previous().map(SecretVersion::version).orElse(0L));
        e.put("previous_valid_until", r.previous().map(v -> iso(v.retireAfter())).orElse(""));
        e.put("last_rotation", iso(r.lastRotation()));
        e.put("next_rotation", iso(r.nextRotation()));
        e.put("overdue", r.nextRotation() != 0 && r.nextRotation() <= now.getEpochSecond());
        e.put("attempts", r.attempts());
        e.put("last_error", r.lastError());
        e.put("next_attempt", iso(r.nextAttempt()));
        if (withVersions) {
            List<Object> vs = new ArrayList<>();
            for (SecretVersion v : r.versions()) {
                vs.add(Response.map("version", v.version(), "state", v.state().wire(), "label", v.label(), "created", iso(v.createdAt()),
                        "promoted", iso(v.promotedAt()), "retire_after", iso(v.retireAfter()), "retired", iso(v.retiredAt())));
            }
            e.put("versions", vs);
            e.put("rotation_id", r.inflight() == null ? "" : r.inflight().id());
        }
        return e;
    }

    private static String iso(long epochSeconds) {
        return epochSeconds == 0 ? "" : Instant.ofEpochSecond(epochSeconds).toString();
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
