package dev.keyhaven.core.audit;

import dev.keyhaven.core.logical.Request;
import java.time.Instant;
import java.util.Objects;

/**
 * One API call as the audit broker sees it: the logical request (id, operation, path, data, remote address, mount)
 * and the auth facts. The same event is passed to {@link AuditBroker#logRequest} and later to
 * {@link AuditBroker#logResponse}; its {@code time} is the request entry's timestamp.
 */
public record AuditEvent(Request request, AuditAuth auth, Instant time) {
    public AuditEvent {
        Objects.requireNonNull(request, "request");
        auth = auth == null ? AuditAuth.NONE : auth;
        Objects.requireNonNull(time, "time");
    }

    public static AuditEvent of(Request request, AuditAuth auth) {
        return new AuditEvent(request, auth, Instant.now());
    }

    @Override
    public String toString() {
        return "AuditEvent[" + request + "]";
    }
}
