package dev.keyhaven.core.auth;

import java.util.Objects;

/**
 * Told by an {@link AuthService} about every request it refuses, so telemetry and alerting can count failures and
 * spot the use of credentials that were valid once. Implementations must be fast and must never throw (the auth
 * service guards against it anyway); they run on the request thread.
 */
@FunctionalInterface
public interface AuthListener {
    /** Reasons reported in {@link AuthFailure#reason()}. */
    String MISSING_TOKEN = "missing_token";
    String INVALID_TOKEN = "invalid_token";
    String EXPIRED_TOKEN = "expired_token";
    String REVOKED_TOKEN = "revoked_token";
    String PERMISSION_DENIED = "permission_denied";

    void onAuthFailure(AuthFailure failure);

    /**
     * One refused request.
     *
     * @param method        the auth method whose credential was refused ({@code token} for the request flow)
     * @param reason        one of the constants above
     * @param remoteAddress the client's address as the edge saw it ("" when unknown)
     * @param accessor      for {@link #EXPIRED_TOKEN}/{@link #REVOKED_TOKEN}: the accessor of the stale token, else "".
     *                      Never the token itself.
     */
    record AuthFailure(String method, String reason, String remoteAddress, String accessor) {
        public AuthFailure {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(reason, "reason");
            remoteAddress = remoteAddress == null ? "" : remoteAddress;
            accessor = accessor == null ? "" : accessor;
        }

        /** Whether a credential that was once valid (expired or revoked) was presented. */
        public boolean staleCredential() {
            return reason.equals(EXPIRED_TOKEN) || reason.equals(REVOKED_TOKEN);
        }

        @Override
        public String toString() {
            return "AuthFailure[" + method + " " + reason + "]"; // no address, no accessor
        }
    }
}
