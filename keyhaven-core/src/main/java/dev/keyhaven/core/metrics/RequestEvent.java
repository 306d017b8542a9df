package dev.keyhaven.core.metrics;

import dev.keyhaven.core.logical.Operation;
import java.util.Objects;

/**
 * One finished request as telemetry sees it. Holds no token and no secret data: {@code accessor} is the token's
 * accessor (kept in memory only, for per-token rate baselines) and {@code pathPrefix} a bounded
 * {@link PathPrefix}.
 *
 * @param mountPoint   e.g. {@code secret/} ("" when no mount matched)
 * @param mountType    e.g. {@code kv}
 * @param operation    the logical operation
 * @param status       the HTTP status the request ended with
 * @param durationNanos time spent in the core
 * @param accessor     accessor of the authenticated token, "" if none
 * @param pathPrefix   bounded prefix of the path below the mount
 * @param source       client address, "" if unknown
 */
public record RequestEvent(String mountPoint, String mountType, Operation operation, int status, long durationNanos, String accessor,
                           String pathPrefix, String source) {
    public RequestEvent {
        Objects.requireNonNull(operation, "operation");
        mountPoint = mountPoint == null ? "" : mountPoint;
        mountType = mountType == null ? "" : mountType;
        accessor = accessor == null ? "" : accessor;
        pathPrefix = pathPrefix == null ? PathPrefix.ROOT : pathPrefix;
        source = source == null ? "" : source;
    }

    public boolean succeeded() {
        return status < 400;
    }

    @Override
    public String toString() {
        return "RequestEvent[" + operation + " " + mountPoint + pathPrefix + " " + status + "]"; // never the accessor
    }
}
