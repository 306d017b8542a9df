package dev.keyhaven.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/**
 * Vault's identified HMAC: {@code hmac-sha256:<hex(HMAC-SHA256(salt, value))>}, keyed by the per-install audit salt.
 * Thread-safe. HMAC (RFC 2104) is computed from SHA-256 states that have already absorbed the padded key blocks, one
 * pair per thread, cloned for each value: two compressions fewer per value than {@link javax.crypto.Mac}, which feeds
 * both key blocks again every time (same result; tested against {@code Mac}).
 */
public final class AuditHasher {
    public static final String PREFIX = "hmac-sha256:";
    private static final int BLOCK = 64;
    private final byte[] innerPad;
    private final byte[] outerPad;
    private final ThreadLocal<MessageDigest[]> keyed;

    public AuditHasher(byte[] salt) {
        if (salt.length < 16) throw new IllegalArgumentException("audit salt too short");
        byte[] key = salt.length > BLOCK ? AuditChain.sha256(salt, 0, salt.length) : salt.clone();
        this.innerPad = new byte[BLOCK];
        this.outerPad = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            byte k = i < key.length ? key[i] : 0;
            innerPad[i] = (byte) (k ^ 0x36);
            outerPad[i] = (byte) (k ^ 0x5c);
        }
        java.util.Arrays.fill(key, (byte) 0);
        this.keyed = ThreadLocal.withInitial(() -> {
            MessageDigest inner = AuditChain.newSha256();
            inner.update(innerPad);
            MessageDigest outer = AuditChain.newSha256();
            outer.update(outerPad);
            return new MessageDigest[] {inner, outer};
        });
    }

    /** HMAC-SHA256(salt, value). */
    byte[] mac(byte[] value) {
        MessageDigest[] k = keyed.get();
        try {
            MessageDigest inner = (MessageDigest) k[0].clone();
            inner.update(value);
            MessageDigest outer = (MessageDigest) k[1].clone();
            outer.update(inner.digest());
            return outer.digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }

    /**
     * {@link #hash} as the quoted JSON string, for values that repeat across requests (client tokens, accessors):
     * remembered in a small bounded map so the same token is not re-HMAC'd and re-escaped for every entry. Only the
     * HMAC is ever logged; the map lives in the server's heap next to the token store it mirrors and is dropped when
     * the broker closes.
     */
    byte[] repeated(String value) {
        byte[] h = repeated.get(value);
        if (h != null) return h;
        JsonOut out = new JsonOut(PREFIX.length() + 66);
        writeHash(out, value);
        h = out.toBytes();
        if (repeated.size() >= 4096) repeated.clear();
        repeated.put(value, h);
        return h;
    }

    private final java.util.concurrent.ConcurrentHashMap<String, byte[]> repeated = new java.util.concurrent.ConcurrentHashMap<>();

    public String hash(String value) {
        return PREFIX + HexFormat.of().formatHex(mac(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code "hmac-sha256:<hex>"} for {@code value} (what {@link #hash} returns, as a JSON string). */
    void writeHash(JsonOut out, String value) {
        byte[] h = mac(value.getBytes(StandardCharsets.UTF_8));
        out.raw((byte) '"').ascii(PREFIX).hex(h).raw((byte) '"');
    }

    /**
     * Writes {@code value} as JSON with every string in it (map values and list elements at any depth, never map
     * keys; byte arrays and other objects as their string form) replaced by its {@link #writeHash HMAC}. Numbers,
     * booleans and null are kept.
     */
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

    @Override
    public String toString() {
        return "AuditHasher[<salt redacted>]";
    }
}
