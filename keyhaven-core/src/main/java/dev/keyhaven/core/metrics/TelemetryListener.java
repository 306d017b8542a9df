package dev.keyhaven.core.metrics;

/**
 * Receives the same events as the metrics (the alert engine is one). Called on the request thread: implementations
 * must be quick and must not block on I/O of unbounded duration; exceptions are caught and logged by
 * {@link Telemetry}, never propagated to the request.
 */
public interface TelemetryListener {
    /** A request finished (any status). */
    default void onRequest(RequestEvent event) {}

    /**
     * A credential was refused. {@code source} is the client address ("" if unknown).
     */
    default void onAuthFailure(String method, String reason, String source) {}

    /**
     * A credential that was valid once (expired or revoked token, retired secret version) was presented.
     *
     * @param kind       {@code expired_token}, {@code revoked_token} or {@code retired_secret_version}
     * @param credential an identifier that is not itself secret (a token accessor, a secret path); never a token
     * @param source     the client address ("" if unknown)
     */
    default void onExpiredCredentialUse(String kind, String credential, String source) {}
}
