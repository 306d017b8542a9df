package dev.keyhaven.core.auth.login;

/**
 * Receives every login attempt of the JWT/OIDC and AppRole methods (success or failure). The server wires it to the
 * audit log and to metrics (counters by {@link FailureClass}); implementations must not throw and must be fast.
 */
@FunctionalInterface
public interface LoginEvents {
    LoginEvents NONE = attempt -> { };

    void onLogin(LoginAttempt attempt);

    /** Delivers to both (e.g. audit and metrics). */
    default LoginEvents and(LoginEvents other) {
        return attempt -> {
            this.onLogin(attempt);
            other.onLogin(attempt);
        };
    }
}
