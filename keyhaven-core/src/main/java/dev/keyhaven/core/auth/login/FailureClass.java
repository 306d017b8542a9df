package dev.keyhaven.core.auth.login;

import java.util.Locale;

/** Why a login failed, coarse enough to count in metrics and alert on (e.g. a spike of {@code SIGNATURE}). */
public enum FailureClass {
    /** The request lacks a field (role, jwt, role_id, secret_id). */
    MISSING_INPUT,
    /** The named role (or role_id) does not exist, or has the wrong type. */
    ROLE,
    /** The client address is outside the role's or the secret ID's CIDR blocks. */
    CIDR,
    /** The JWT is malformed, unsigned, signed by an unknown key, or with a disallowed algorithm. */
    SIGNATURE,
    ISSUER,
    SUBJECT,
    AUDIENCE,
    /** nbf/exp/iat checks, or none of them present. */
    EXPIRED,
    /** user_claim, bound_claims, deny_claims. */
    CLAIMS,
    /** The JWT's jti was already used. */
    REPLAY,
    /** AppRole: unknown, expired or used-up secret ID. */
    CREDENTIALS,
    /** The key source could not be reached or the method is not configured. */
    CONFIG,
    /** An unexpected server-side error. */
    INTERNAL;

    /** Lower-case label for metrics and audit ({@code signature}, {@code replay}...). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
