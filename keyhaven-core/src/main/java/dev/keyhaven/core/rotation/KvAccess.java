package dev.keyhaven.core.rotation;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * KV v2 through the logical API. A managed path {@code secret/app/db} is split into the mount ({@code secret}, or
 * the policy's {@code mount} setting for multi-segment mounts) and the secret's path ({@code app/db}).
 */
public final class KvAccess {
    private final LogicalClient logical;

    public KvAccess(LogicalClient logical) {
        this.logical = logical;
    }

    /** The metadata the rotation engine needs: current version and, per version, whether it is still readable. */
    public record Meta(long currentVersion, Map<Long, Boolean> readable, Optional<java.time.Instant> updatedTime) {
        /** The newest readable version below the current one (what an SDK's {@code previous()} resolves). */
        public Optional<Long> previousReadable() {
            long best = 0;
            for (Map.Entry<Long, Boolean> e : readable.entrySet()) if (e.getKey() < currentVersion && e.getValue() && e.getKey() > best) best = e.getKey();
            return best == 0 ? Optional.empty() : Optional.of(best);
        }
    }

    public record Target(String mount, String secret) {
        public String full() {
            return mount + "/" + secret;
        }
    }

    public static Target split(String path, String mountSetting) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (!mountSetting.isEmpty()) {
            String m = mountSetting.endsWith("/") ? mountSetting.substring(0, mountSetting.length() - 1) : mountSetting;
            if (!p.startsWith(m + "/")) throw RotationException.badRequest("path does not start with the mount '" + m + "'");
            return new Target(m, p.substring(m.length() + 1));
        }
        int slash = p.indexOf('/');
        if (slash <= 0 || slash == p.length() - 1) throw RotationException.badRequest("invalid path: expected <mount>/<secret path>");
        return new Target(p.substring(0, slash), p.substring(slash + 1));
    }

    public Optional<Meta> metadata(Target t) {
        Response r;
        try {
            r = logical.handle(Request.builder(Operation.READ, t.mount() + "/metadata/" + t.secret()).build());
        } catch (KeyhavenException e) {
            if (e.code() == ErrorCode.NOT_FOUND) return Optional.empty();
            throw e;
        }
        if (r.status() == 404 || r.data() == null) return Optional.empty();
        long current = ((Number) r.data().get("current_version")).longValue();
        Map<Long, Boolean> readable = new TreeMap<>();
        if (r.data().get("versions") instanceof Map<?, ?> vs) {
            for (Map.Entry<?, ?> e : vs.entrySet()) {
                Map<?, ?> v = (Map<?, ?>) e.getValue();
                boolean destroyed = Boolean.TRUE.equals(v.get("destroyed"));
                Object del = v.get("deletion_time");
                boolean deleted = del instanceof String s && !s.isEmpty();
                readable.put(Long.parseLong(String.valueOf(e.getKey())), !destroyed && !deleted);
            }
        }
        Optional<java.time.Instant> updated = Optional.empty();
        if (r.data().get("updated_time") instanceof String u && !u.isEmpty()) {
            try {
                updated = Optional.of(java.time.Instant.parse(u));
            } catch (java.time.format.DateTimeParseException e) {
                updated = Optional.empty();
            }
        }
        return Optional.of(new Meta(current, readable, updated));
    }

    /** One version's data; empty when the secret or version is missing, deleted or destroyed. */
    public Optional<SecretData> read(Target t, long version) {
        Map<String, Object> q = new LinkedHashMap<>();
        if (version > 0) q.put("version", version);
        Response r;
        try {
            r = logical.handle(Request.builder(Operation.READ, t.mount() + "/data/" + t.secret()).data(q)
                    .query(version > 0 ? Map.of("version", List.of(Long.toString(version))) : Map.of()).build());
        } catch (KeyhavenException e) {
            if (e.code() == ErrorCode.NOT_FOUND) return Optional.empty();
            throw e;
        }
        if (r.status() == 404 || r.data() == null || !(r.data().get("data") instanceof Map<?, ?> d)) return Optional.empty();
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : d.entrySet()) m.put(String.valueOf(e.getKey()), e.getValue());
        return Optional.of(new SecretData(m));
    }

    public Optional<SecretData> readLatest(String path) {
        return read(split(path, ""), 0);
    }

    /**
     * Writes a new version with {@code cas=expectedCurrent} and returns its number. If the CAS does not match the
     * write is refused by KV and this throws a 409 (someone else changed the secret).
     */
    public long write(Target t, SecretData data, long expectedCurrent) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("options", Map.of("cas", expectedCurrent));
        body.put("data", data.fields());
        Response r;
        try {
            r = logical.handle(Request.builder(Operation.UPDATE, t.mount() + "/data/" + t.secret()).data(body).build());
        } catch (KeyhavenException e) {
            if (e.code() == ErrorCode.BAD_REQUEST && String.join(" ", e.errors()).contains("check-and-set")) {
                throw RotationException.conflict("the secret " + t.full() + " changed outside rotation (expected version " + expectedCurrent + ")");
            }
            throw e;
        }
        return ((Number) r.data().get("version")).longValue();
    }

    public void destroy(Target t, long version) {
        logical.handle(Request.builder(Operation.UPDATE, t.mount() + "/destroy/" + t.secret())
                .data(Map.of("versions", List.of(version))).build());
    }

    /** Secrets (not folders) below {@code folder} (relative to the mount, empty or ending in '/'), recursively, at most {@code limit}. */
    public List<String> listRecursive(String mount, String folder, int limit) {
        List<String> out = new ArrayList<>();
        ArrayList<String> queue = new ArrayList<>(List.of(folder));
        while (!queue.isEmpty() && out.size() < limit) {
            String f = queue.remove(0);
            Response r;
            try {
                r = logical.handle(Request.builder(Operation.LIST, mount + "/metadata/" + f).build());
            } catch (KeyhavenException e) {
                if (e.code() == ErrorCode.NOT_FOUND) continue;
                throw e;
            }
            if (r.data() == null || !(r.data().get("keys") instanceof List<?> keys)) continue;
            for (Object k : keys) {
                String key = String.valueOf(k);
                if (key.endsWith("/")) queue.add(f + key);
                else if (out.size() < limit) out.add(f + key);
            }
        }
        return out;
    }
}
