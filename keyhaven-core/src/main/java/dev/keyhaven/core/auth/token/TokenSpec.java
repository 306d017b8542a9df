package dev.keyhaven.core.auth.token;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to mint a token, after the caller has applied its own rules (parent subset, roles, sudo).
 *
 * @param policies       final, sorted, de-duplicated policy names
 * @param ttl            requested TTL; zero = the default (or none, for root tokens)
 * @param explicitMaxTtl hard cap on the lifetime; zero = none
 * @param period         periodic token period; zero = not periodic
 * @param parentHash     the parent's hash, or empty for an orphan
 * @param path           creation path, e.g. {@code auth/token/create}
 * @param customId       a caller-chosen token value (root/sudo only, or dev mode)
 * @param boundCidrs     CIDR blocks the token may only be used from; empty = anywhere
 * @param maxTtl         the issuing role's {@code token_max_ttl} (0 = none): caps the token like the mount's max TTL but,
 *                       unlike {@code explicitMaxTtl}, is not recorded on the token (a renewal reads the role again)
 */
public record TokenSpec(List<String> policies, Map<String, String> meta, String displayName, long numUses, Duration ttl,
                        Duration explicitMaxTtl, Duration period, boolean renewable, String parentHash, String path, String role,
                        Optional<String> customId, String entityAlias, List<String> boundCidrs, Duration maxTtl) {
    public TokenSpec {
        policies = List.copyOf(policies);
        meta = Map.copyOf(meta);
        boundCidrs = boundCidrs == null ? List.of() : List.copyOf(boundCidrs);
        maxTtl = maxTtl == null ? Duration.ZERO : maxTtl;
    }

    /** A token without a backend max TTL (only the mount's and any explicit one). */
    public TokenSpec(List<String> policies, Map<String, String> meta, String displayName, long numUses, Duration ttl, Duration explicitMaxTtl,
                     Duration period, boolean renewable, String parentHash, String path, String role, Optional<String> customId, String entityAlias,
                     List<String> boundCidrs) {
        this(policies, meta, displayName, numUses, ttl, explicitMaxTtl, period, renewable, parentHash, path, role, customId, entityAlias, boundCidrs,
                Duration.ZERO);
    }

    @Override
    public String toString() {
        return "TokenSpec[policies=" + policies + ", path=" + path + ", customId=" + (customId.isPresent() ? "<redacted>" : "none") + "]";
    }
}
