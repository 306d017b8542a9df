package dev.keyhaven.core.logical;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A logical response. The edge renders it in Vault's envelope
 * ({@code request_id, lease_id, renewable, lease_duration, data, wrap_info, warnings, auth}),
 * or, for {@link #raw} responses (sys/health, sys/seal-status, JWKS ...), the given map as the whole JSON body.
 * A response without data, auth and warnings renders as 204 No Content unless a status is set.
 */
public final class Response {
    private Map<String, Object> data;
    private Map<String, Object> auth;
    private final List<String> warnings = new ArrayList<>();
    private Map<String, Object> raw;
    private byte[] rawBytes;
    private String rawContentType;
    private int status; // 0 = decide by content
    private String leaseId = "";
    private boolean renewable;
    private long leaseDuration;

    public static Response empty() {
        return new Response();
    }

    public static Response of(Map<String, Object> data) {
        Response r = new Response();
        r.data = data;
        return r;
    }

    /** The map is the complete JSON body (no envelope). */
    public static Response raw(int status, Map<String, Object> body) {
        Response r = new Response();
        r.status = status;
        r.raw = body;
        return r;
    }

    /** A non-JSON body (e.g. Prometheus text). */
    public static Response bytes(int status, String contentType, byte[] body) {
        Response r = new Response();
        r.status = status;
        r.rawBytes = body;
        r.rawContentType = contentType;
        return r;
    }

    public Response data(Map<String, Object> data) { this.data = data; return this; }
    public Response auth(Map<String, Object> auth) { this.auth = auth; return this; }
    public Response warning(String w) { this.warnings.add(w); return this; }
    public Response status(int status) { this.status = status; return this; }
    public Response lease(String leaseId, long durationSeconds, boolean renewable) {
        this.leaseId = leaseId;
        this.leaseDuration = durationSeconds;
        this.renewable = renewable;
        return this;
    }

    public Map<String, Object> data() { return data; }
    public Map<String, Object> auth() { return auth; }
    public List<String> warnings() { return warnings; }
    public Map<String, Object> raw() { return raw; }
    public byte[] rawBytes() { return rawBytes; }
    public String rawContentType() { return rawContentType; }
    public String leaseId() { return leaseId; }
    public boolean renewable() { return renewable; }
    public long leaseDuration() { return leaseDuration; }
    public boolean isRaw() { return raw != null || rawBytes != null; }

    /** The HTTP status this response renders with. */
    public int status() {
        if (status != 0) return status;
        return data == null && auth == null && warnings.isEmpty() ? 204 : 200;
    }

    /** Convenience: an ordered map builder for response data. */
    public static Map<String, Object> map(Object... kv) {
        if (kv.length % 2 != 0) throw new IllegalArgumentException("odd number of arguments");
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Override
    public String toString() {
        return "Response[status=" + status() + "]"; // never the data
    }
}
