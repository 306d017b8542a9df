package dev.keyhaven.core.auth.token;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A stored token. The token value itself is never stored: {@code hash} is {@code hex(HMAC-SHA256(salt, token))},
 * the key under {@code token/id/}. Times are whole epoch seconds; {@code expireAt == 0} means it never expires
 * (root tokens without a TTL), {@code maxExpireAt == 0} means renewals are not capped (periodic tokens).
 *
 * <p>{@link #toString()} shows neither the hash nor the accessor.
 */
public record TokenEntry(
        String hash,
        String accessor,
        List<String> policies,
        String parentHash,
        String path,
        Map<String, String> meta,
        String displayName,
        long numUses,
        long creationTime,
        long creationTtl,
        long expireAt,
        long maxExpireAt,
        long explicitMaxTtl,
        long period,
        boolean renewable,
        String role,
        String entityId,
        String entityAlias,
        long lastRenewalTime,
        List<String> boundCidrs) {

    public TokenEntry {
        policies = List.copyOf(policies);
        meta = Map.copyOf(meta);
        boundCidrs = boundCidrs == null ? List.of() : List.copyOf(boundCidrs);
    }

    /**
     * Whether a request from {@code remoteAddress} may use this token: true unless it is bound to CIDR blocks
     * ({@code token_bound_cidrs} of the role it was issued by) that do not contain the address.
     */
    public boolean usableFrom(String remoteAddress) {
        return boundCidrs.isEmpty() || dev.keyhaven.core.auth.login.Cidrs.contains(boundCidrs, remoteAddress);
    }

    public boolean isRoot() {
        return policies.contains("root");
    }

    public boolean isOrphan() {
        return parentHash.isEmpty();
    }

    /** Valid at {@code now}: not expired. (Revoked tokens are deleted, so they are never found.) */
    public boolean isValidAt(Instant now) {
        return expireAt == 0 || now.getEpochSecond() < expireAt;
    }

    /** Remaining seconds at {@code now}; 0 for tokens that never expire. */
    public long ttlAt(Instant now) {
        return expireAt == 0 ? 0 : Math.max(0, expireAt - now.getEpochSecond());
    }

    public Optional<Instant> expireTime() {
        return expireAt == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(expireAt));
    }

    public TokenEntry withNumUses(long n) {
        return new TokenEntry(hash, accessor, policies, parentHash, path, meta, displayName, n, creationTime, creationTtl, expireAt,
                maxExpireAt, explicitMaxTtl, period, renewable, role, entityId, entityAlias, lastRenewalTime, boundCidrs);
    }

    public TokenEntry withParent(String parent) {
        return new TokenEntry(hash, accessor, policies, parent, path, meta, displayName, numUses, creationTime, creationTtl, expireAt,
                maxExpireAt, explicitMaxTtl, period, renewable, role, entityId, entityAlias, lastRenewalTime, boundCidrs);
    }

    public TokenEntry renewed(long newExpireAt, long now) {
        return renewed(newExpireAt, now, maxExpireAt, period);
    }

    /** Renewed under new limits (its login role's current max TTL and period). */
    public TokenEntry renewed(long newExpireAt, long now, long newMaxExpireAt, long newPeriod) {
        return new TokenEntry(hash, accessor, policies, parentHash, path, meta, displayName, numUses, creationTime, creationTtl, newExpireAt,
                newMaxExpireAt, explicitMaxTtl, newPeriod, renewable, role, entityId, entityAlias, now, boundCidrs);
    }

    Map<String, Object> toStored() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("hash", hash);
        m.put("accessor", accessor);
        m.put("policies", policies);
        m.put("parent", parentHash);
        m.put("path", path);
        m.put("meta", meta);
        m.put("display_name", displayName);
        m.put("num_uses", numUses);
        m.put("creation_time", creationTime);
        m.put("creation_ttl", creationTtl);
        m.put("expire_at", expireAt);
        m.put("max_expire_at", maxExpireAt);
        m.put("explicit_max_ttl", explicitMaxTtl);
        m.put("period", period);
        m.put("renewable", renewable);
        m.put("role", role);
        m.put("entity_id", entityId);
        m.put("entity_alias", entityAlias);
        m.put("last_renewal_time", lastRenewalTime);
        if (!boundCidrs.isEmpty()) m.put("bound_cidrs", boundCidrs);
        return m;
    }

    @SuppressWarnings("unchecked")
    static TokenEntry fromStored(Map<String, Object> m) {
        List<String> pol = new ArrayList<>();
        for (Object o : (List<Object>) m.getOrDefault("policies", List.of())) pol.add((String) o);
        Map<String, String> meta = new LinkedHashMap<>();
        Object mm = m.get("meta");
        if (mm instanceof Map<?, ?> mmap) for (Map.Entry<?, ?> e : mmap.entrySet()) meta.put((String) e.getKey(), (String) e.getValue());
        return new TokenEntry(str(m, "hash"), str(m, "accessor"), pol, str(m, "parent"), str(m, "path"), meta, str(m, "display_name"),
                num(m, "num_uses"), num(m, "creation_time"), num(m, "creation_ttl"), num(m, "expire_at"), num(m, "max_expire_at"),
                num(m, "explicit_max_ttl"), num(m, "period"), Boolean.TRUE.equals(m.get("renewable")), str(m, "role"),
                str(m, "entity_id"), str(m, "entity_alias"), num(m, "last_renewal_time"), strings(m.get("bound_cidrs")));
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) for (Object x : l) out.add(String.valueOf(x));
        return out;
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? "" : v.toString();
    }

    private static long num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof Number n ? n.longValue() : 0L;
    }

    @Override
    public String toString() {
        return "TokenEntry[display_name=" + displayName + ", policies=" + policies + ", path=" + path + ", orphan=" + isOrphan()
                + ", expire_at=" + expireAt + "]";
    }
}
