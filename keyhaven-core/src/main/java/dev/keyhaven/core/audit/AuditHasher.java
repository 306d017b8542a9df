package dev.keyhaven.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Vault's identified HMAC: {@code hmac-sha256:<hex(HMAC-SHA256(salt, value))>}, keyed by the per-install audit salt.
 * Thread-safe (a fresh {@link Mac} per thread).
 */
public final class AuditHasher {
    public static final String PREFIX = "hmac-sha256:";
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> mac;

    public AuditHasher(byte[] salt) {
        if (salt.length < 16) throw new IllegalArgumentException("audit salt too short");
        this.key = new SecretKeySpec(salt.clone(), "HmacSHA256");
        this.mac = ThreadLocal.withInitial(() -> {
            try {
                Mac m = Mac.getInstance("HmacSHA256");
                m.init(key);
                return m;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        });
    }

    /**
     * Like {@link #hash} for values that repeat across requests (client tokens, accessors): remembered in a small
     * bounded map so the same token is not re-HMAC'd for every entry. Only the HMAC is ever logged; the map lives in
     * the server's heap next to the token store it mirrors and is dropped when the broker closes.
     */
    public String hashRepeated(String value) {
        String h = repeated.get(value);
        if (h != null) return h;
        h = hash(value);
        if (repeated.size() >= 4096) repeated.clear();
        repeated.put(value, h);
        return h;
    }

    private final java.util.concurrent.ConcurrentHashMap<String, String> repeated = new java.util.concurrent.ConcurrentHashMap<>();

    public String hash(String value) {
        Mac m = mac.get();
        byte[] out = m.doFinal(value.getBytes(StandardCharsets.UTF_8));
        return PREFIX + HexFormat.of().formatHex(out);
    }

    /** Writes {@code "hmac-sha256:<hex>"} for {@code value} (what {@link #hash} returns, as a JSON string). */
    void writeHash(JsonOut out, String value) {
        byte[] h = mac.get().doFinal(value.getBytes(StandardCharsets.UTF_8));
        out.raw((byte) '"').ascii(PREFIX).hex(h).raw((byte) '"');
    }

    /** Writes {@link #hashStructure hashStructure(value)} as JSON without building the copy. */
    void writeHashed(JsonOut out, Object value) {
        if (value instanceof String s) {
            writeHash(out, s);
        } else if (value instanceof Map<?, ?> m) {
            out.raw((byte) '{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) out.raw((byte) ',');
                first = false;
                out.string(String.valueOf(e.getKey())).raw((byte) ':');
                writeHashed(out, e.getValue());
            }
            out.raw((byte) '}');
        } else if (value instanceof Iterable<?> it) {
            out.raw((byte) '[');
            boolean first = true;
            for (Object o : it) {
                if (!first) out.raw((byte) ',');
                first = false;
                writeHashed(out, o);
            }
            out.raw((byte) ']');
        } else if (value instanceof Object[] arr) {
            out.raw((byte) '[');
            for (int i = 0; i < arr.length; i++) {
                if (i > 0) out.raw((byte) ',');
                writeHashed(out, arr[i]);
            }
            out.raw((byte) ']');
        } else if (value instanceof byte[] bytes) {
            writeHash(out, new String(bytes, StandardCharsets.UTF_8));
        } else if (value == null || value instanceof Number || value instanceof Boolean) {
            out.value(value);
        } else {
            writeHash(out, value.toString());
        }
    }

    /**
     * A deep copy of {@code value} in which every string (map values and list elements at any depth, never map keys)
     * is replaced by its HMAC. Numbers, booleans and null are kept.
     */
    public Object hashStructure(Object value) {
        if (value instanceof String s) return hash(s);
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), hashStructure(e.getValue()));
            return out;
        }
        if (value instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) out.add(hashStructure(o));
            return out;
        }
        if (value instanceof Object[] arr) {
            List<Object> out = new ArrayList<>();
            for (Object o : arr) out.add(hashStructure(o));
            return out;
        }
        if (value instanceof byte[] bytes) return hash(new String(bytes, StandardCharsets.UTF_8));
        if (value == null || value instanceof Number || value instanceof Boolean) return value;
        // anything else (enums, temporal values ...) is logged as its string form, hashed
        return hash(value.toString());
    }

    @Override
    public String toString() {
        return "AuditHasher[<salt redacted>]";
    }
}
