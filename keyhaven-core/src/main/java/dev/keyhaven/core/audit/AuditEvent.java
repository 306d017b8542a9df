package dev.keyhaven.core.audit;

import dev.keyhaven.core.logical.Request;
import java.time.Instant;
import java.util.Objects;

/**
 * One API call as the audit broker sees it: the logical request (id, operation, path, data, remote address, mount)
 * and the auth facts. The same event is passed to {@link AuditBroker#logRequest} and later to
 * {@link AuditBroker#logResponse}: the request and auth blocks, identical in both entries, are formatted (and their
 * strings HMAC'd) once per event and device format.
 */
public final class AuditEvent {
    private final Request request;
    private final AuditAuth auth;
    private final Instant time;
    /** Per format: serialized {@code auth} block (or null) and {@code request} block. */
    private final PerFormat<byte[][]> fragments = new PerFormat<>();
    /** The request entry formatted by {@link AuditBroker#deferRequest}, written with the response entry (or null). */
    Object deferred;

    public AuditEvent(Request request, AuditAuth auth, Instant time) {
        this.request = Objects.requireNonNull(request, "request");
        this.auth = auth == null ? AuditAuth.NONE : auth;
        this.time = Objects.requireNonNull(time, "time");
    }

    synchronized byte[][] fragments(FormatOptions o) {
        return fragments.get(o);
    }

    /** Records the fragments for a format (the first recorded wins); returns the recorded ones. */
    synchronized byte[][] fragments(FormatOptions o, byte[][] f) {
        return fragments.putIfAbsent(o, f);
    }

    public static AuditEvent of(Request request, AuditAuth auth) {
        return new AuditEvent(request, auth, Instant.now());
    }

    public Request request() {
        return request;
    }

    public AuditAuth auth() {
        return auth;
    }

    /** When the call arrived. */
    public Instant time() {
        return time;
    }

    @Override
    public String toString() {
        return "AuditEvent[" + request + "]";
    }
}
