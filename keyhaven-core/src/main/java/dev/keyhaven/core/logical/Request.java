package dev.keyhaven.core.logical;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A logical request: what the edge makes of an HTTP call, and all that engines see. Nothing here knows about HTTP.
 *
 * <p>{@code path} is the full API path after {@code /v1/} without a leading slash (e.g. {@code secret/data/app}).
 * The router sets {@code mountPoint} (e.g. {@code secret/}) and {@code relativePath} (e.g. {@code data/app}).
 * {@code clientToken} is the raw token; it must never be logged (see {@link #toString()}).
 */
public final class Request {
    private final String id;
    private final Operation operation;
    private final String path;
    private final Map<String, Object> data;
    private final Map<String, List<String>> query;
    private final Map<String, String> headers;
    private final String clientToken;
    private final String remoteAddress;
    private final String contentType;
    private String mountPoint = "";
    private String mountType = "";
    private String mountAccessor = "";
    private String relativePath;
    private Object auth; // the resolved token entry, set after authentication (typed by the auth layer)

    private Request(Builder b) {
        this.id = b.id != null ? b.id : newId();
        this.operation = Objects.requireNonNull(b.operation, "operation");
        this.path = Objects.requireNonNull(b.path, "path");
        this.data = Collections.unmodifiableMap(new LinkedHashMap<>(b.data));
        this.query = Map.copyOf(b.query);
        this.headers = Map.copyOf(b.headers);
        this.clientToken = b.clientToken;
        this.remoteAddress = b.remoteAddress == null ? "" : b.remoteAddress;
        this.contentType = b.contentType == null ? "" : b.contentType;
        this.relativePath = path;
    }

    /**
     * A random request id in UUID form. Request ids are correlation handles, not secrets: a per-thread PRNG keeps
     * id generation off the shared SecureRandom lock on the request path.
     */
    public static String newId() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        long hi = (r.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new java.util.UUID(hi, lo).toString();
    }

    public static Builder builder(Operation op, String path) {
        return new Builder(op, path);
    }

    public String id() { return id; }
    public Operation operation() { return operation; }
    public String path() { return path; }
    /** Body fields (JSON object) merged with query parameters for GET-style reads, as Vault does. Never null. */
    public Map<String, Object> data() { return data; }
    public Map<String, List<String>> query() { return query; }
    /** Lower-cased header names. */
    public Map<String, String> headers() { return headers; }
    public Optional<String> clientToken() { return Optional.ofNullable(clientToken); }
    public String remoteAddress() { return remoteAddress; }
    public String contentType() { return contentType; }
    public String mountPoint() { return mountPoint; }
    public String mountType() { return mountType; }
    public String mountAccessor() { return mountAccessor; }
    public String relativePath() { return relativePath; }

    /** {@link #relativePath()} without trailing slashes ({@code "role/x/"} → {@code "role/x"}; {@code "/"} stays). */
    public String relativePathTrimmed() {
        String s = relativePath;
        while (s.endsWith("/") && s.length() > 1) s = s.substring(0, s.length() - 1);
        return s;
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<T> auth(Class<T> type) {
        return type.isInstance(auth) ? Optional.of((T) auth) : Optional.empty();
    }

    public void setAuth(Object auth) { this.auth = auth; }

    /** Called by the router once the mount is known. */
    public void setMount(String mountPoint, String mountType, String mountAccessor, String relativePath) {
        this.mountPoint = mountPoint;
        this.mountType = mountType;
        this.mountAccessor = mountAccessor;
        this.relativePath = relativePath;
    }

    /** First query value, if any. */
    public Optional<String> queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    private volatile boolean asyncAudit;
    private volatile java.util.concurrent.Executor auditWriteOn;
    private volatile AuditGate auditGate;

    /**
     * Set by an edge that can send the response later (the HTTP server): the core may then return a read's response
     * while its audit entries are still being written, and sets {@link #auditGate()}. {@code writeOn}, if not null,
     * is where the entries may be written and the gate completed (the HTTP server passes the connection's event loop,
     * which sends the response anyway, so no extra thread is woken); null leaves it to the audit writer thread.
     */
    public void allowAsyncAudit(java.util.concurrent.Executor writeOn) {
        this.asyncAudit = true;
        this.auditWriteOn = writeOn;
    }

    public boolean asyncAuditAllowed() {
        return asyncAudit;
    }

    /** Where an asynchronously audited request's entries may be written (see {@link #allowAsyncAudit}); may be null. */
    public java.util.concurrent.Executor auditWriteOn() {
        return auditWriteOn;
    }

    /**
     * Null, or a gate that opens once the audit log holds this request's entries, or fails with the 503
     * {@link KeyhavenException} if no device took them: nothing of the response may leave before it opens.
     */
    public AuditGate auditGate() {
        return auditGate;
    }

    public void auditGate(AuditGate gate) {
        this.auditGate = gate;
    }

    @Override
    public String toString() {
        // Never the token, never the data.
        return "Request[" + id + " " + operation + " " + path + "]";
    }

    public static final class Builder {
        private String id;
        private final Operation operation;
        private final String path;
        private Map<String, Object> data = Map.of();
        private Map<String, List<String>> query = Map.of();
        private Map<String, String> headers = Map.of();
        private String clientToken;
        private String remoteAddress;
        private String contentType;

        private Builder(Operation op, String path) {
            this.operation = op;
            this.path = path;
        }

        public Builder id(String id) { this.id = id; return this; }
        public Builder data(Map<String, Object> data) { this.data = data == null ? Map.of() : data; return this; }
        public Builder query(Map<String, List<String>> query) { this.query = query == null ? Map.of() : query; return this; }
        public Builder headers(Map<String, String> headers) { this.headers = headers == null ? Map.of() : headers; return this; }
        public Builder clientToken(String token) { this.clientToken = token == null || token.isEmpty() ? null : token; return this; }
        public Builder remoteAddress(String addr) { this.remoteAddress = addr; return this; }
        public Builder contentType(String ct) { this.contentType = ct; return this; }
        public Request build() { return new Request(this); }
    }
}
