package dev.keyhaven.core.auth.login;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One login attempt, as audit and metrics see it. Holds no secret: the presented credential (JWT or secret ID)
 * appears only as {@code credentialHmac} ({@code hmac-sha256:<hex>}, keyed per mount), and the issued token only
 * by its accessor.
 *
 * @param method         {@code jwt}, {@code oidc} or {@code approle}
 * @param mount          the mount path, e.g. {@code auth/jwt/}
 * @param role           the role name ("" if it could not be determined)
 * @param success        whether a token was issued
 * @param failureClass   empty on success
 * @param error          the error text returned to the client ("" on success); never contains secrets
 * @param claims         selected, non-secret claims (iss, sub, repository, ref, sha, run_id, workflow_ref,
 *                       event_name, runner_environment, jti...) or AppRole facts (role_id_hmac, secret_id_accessor)
 * @param credentialHmac HMAC of the raw JWT or secret ID ("" if none was sent)
 * @param remoteAddress  the client address
 * @param tokenAccessor  accessor of the issued token ("" on failure)
 */
public record LoginAttempt(Instant time, String method, String mount, String role, boolean success, Optional<FailureClass> failureClass,
                           String error, Map<String, String> claims, String credentialHmac, String remoteAddress, String tokenAccessor) {
    public LoginAttempt {
        claims = Map.copyOf(claims);
    }

    public String outcome() {
        return success ? "success" : "failure";
    }
}
