package dev.keyhaven.core.audit;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The authentication facts of one request as the audit log records them (Vault's {@code auth} block). Plain values,
 * so the audit package does not depend on the token store's types. The client token and accessor are secrets:
 * {@link #toString()} never shows them, and entries carry them only as HMACs unless {@code log_raw} is set.
 *
 * @param clientToken the raw client token ("" when the request carried none)
 * @param accessor    the token's accessor ("" if unknown)
 * @param displayName e.g. {@code root}, {@code approle-app}
 * @param policies    the token's policies
 * @param metadata    token metadata (shown in clear, as Vault does)
 * @param entityId    identity entity id ("" if none)
 * @param tokenType   {@code service}, {@code batch} or ""
 */
public record AuditAuth(String clientToken, String accessor, String displayName, List<String> policies,
                        Map<String, String> metadata, String entityId, String tokenType) {
    /** No authentication (unauthenticated path, or a request refused before the token was resolved). */
    public static final AuditAuth NONE = new AuditAuth("", "", "", List.of(), Map.of(), "", "");

    public AuditAuth {
        clientToken = Objects.requireNonNullElse(clientToken, "");
        accessor = Objects.requireNonNullElse(accessor, "");
        displayName = Objects.requireNonNullElse(displayName, "");
        policies = policies == null ? List.of() : List.copyOf(policies);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        entityId = Objects.requireNonNullElse(entityId, "");
        tokenType = Objects.requireNonNullElse(tokenType, "");
    }

    /** Only a client token is known (the token store has not resolved it, e.g. the request was refused). */
    public static AuditAuth tokenOnly(String clientToken) {
        return new AuditAuth(clientToken, "", "", List.of(), Map.of(), "", "");
    }

    public boolean isEmpty() {
        return clientToken.isEmpty() && accessor.isEmpty() && displayName.isEmpty() && policies.isEmpty();
    }

    @Override
    public String toString() {
        return "AuditAuth[displayName=" + displayName + ", policies=" + policies + ", token=<redacted>]";
    }
}
