package dev.keyhaven.core.auth;

import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.storage.Storage;
import java.time.Clock;
import java.util.Optional;

/**
 * Authentication and authorization as the core's request flow sees it: one call per request, after routing and
 * before the engine runs.
 *
 * <p>Lifecycle: {@link #start} when the core unseals (with a barrier view reserved for auth state, i.e. every
 * value it stores is encrypted), {@link #stop} when it seals. Token storage layout (shared by every
 * implementation, so a store written by one is read by the next): tokens are never stored in clear; the entry of
 * token {@code t} lives at {@code token/id/<hex(HMAC-SHA256(salt, t))>} where {@code salt} is 32 random bytes at
 * {@code token/salt}, created on first start.
 */
public interface AuthService {
    void start(Storage authView, Clock clock);

    void stop();

    /**
     * Creates a root token (used by {@code sys/init}, dev mode and generate-root). {@code id} lets dev mode choose
     * the token ({@code -dev-root-token-id}); otherwise a random {@code hvs.}-prefixed token is made.
     */
    String createRootToken(Optional<String> id);

    /**
     * Authenticates {@code request.clientToken()} and checks its policies for the request's operation on its full
     * path. On success attaches the token entry with {@link Request#setAuth(Object)}. Unauthenticated paths still
     * get the entry attached when a valid token is sent, but never fail for lack of one.
     *
     * @throws dev.keyhaven.core.logical.KeyhavenException 403 {@code permission denied} (missing, unknown,
     *         expired or revoked token, or no capability), never revealing which.
     */
    void authorize(Request request, PathTraits traits);

    /**
     * Whether the token attached to {@code request} (by {@link #authorize} on an unauthenticated path) may use
     * anything inside the mount at {@code mountPath} (Vault's {@code hasMountAccess}, used by the KV preflight).
     */
    boolean hasMountAccess(Request request, String mountPath);

    /**
     * Adds a listener told about every refused request (telemetry, alerting). Implementations that do not report
     * refusals may ignore it.
     */
    default void addListener(AuthListener listener) {}

    /**
     * Revokes every token issued through the auth method mounted at {@code mountPath} (e.g. {@code auth/jwt/}), which
     * is being disabled; returns how many. Implementations without such tokens return 0.
     */
    default int revokeIssuedUnder(String mountPath) { return 0; }

    /**
     * Tells the service how to find the auth method mounted at a path (e.g. {@code auth/jwt/}) that renews its own
     * login tokens ({@link dev.keyhaven.core.auth.login.LoginRenewal}). Implementations without renewal may ignore it.
     */
    default void loginRenewals(java.util.function.Function<String, java.util.Optional<dev.keyhaven.core.auth.login.LoginRenewal>> byMountPath) {}
}
