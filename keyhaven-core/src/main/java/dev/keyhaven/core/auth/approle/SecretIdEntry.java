package dev.keyhaven.core.auth.approle;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stored secret ID. The secret ID itself is never stored: the entry lives at
 * {@code secret_id/<role>/<hmac(secret_id)>}. Times are epoch seconds; {@code expiresAt == 0} = never.
 */
record SecretIdEntry(String accessor, List<String> cidrList, List<String> tokenBoundCidrs, Map<String, String> metadata, long numUses, long ttl,
                     long creationTime, long expiresAt, long lastUpdatedTime) {

    SecretIdEntry {
        cidrList = List.copyOf(cidrList);
        tokenBoundCidrs = List.copyOf(tokenBoundCidrs);
        metadata = Map.copyOf(metadata);
    }

    boolean expiredAt(long now) {
        return expiresAt != 0 && now >= expiresAt;
    }

    SecretIdEntry withNumUses(long n, long now) {
        return new SecretIdEntry(accessor, cidrList, tokenBoundCidrs, metadata, n, ttl, creationTime, expiresAt, now);
    }

    /** Vault's lookup shape. */
    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cidr_list", cidrList);
        m.put("creation_time", Instant.ofEpochSecond(creationTime).toString());
        m.put("expiration_time", expiresAt == 0 ? "0001-01-01T00:00:00Z" : Instant.ofEpochSecond(expiresAt).toString());
        m.put("last_updated_time", Instant.ofEpochSecond(lastUpdatedTime).toString());
        m.put("metadata", new LinkedHashMap<>(metadata));
        m.put("secret_id_accessor", accessor);
        m.put("secret_id_num_uses", numUses);
        m.put("secret_id_ttl", ttl);
        m.put("token_bound_cidrs", tokenBoundCidrs);
        return m;
    }

    Map<String, Object> toStored() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accessor", accessor);
        m.put("cidr_list", cidrList);
        m.put("token_bound_cidrs", tokenBoundCidrs);
        m.put("metadata", metadata);
        m.put("num_uses", numUses);
        m.put("ttl", ttl);
        m.put("creation_time", creationTime);
        m.put("expires_at", expiresAt);
        m.put("last_updated_time", lastUpdatedTime);
        return m;
    }

    static SecretIdEntry fromStored(Map<String, Object> m) {
        Map<String, String> meta = new LinkedHashMap<>();
        if (m.get("metadata") instanceof Map<?, ?> mm) mm.forEach((k, v) -> meta.put(String.valueOf(k), String.valueOf(v)));
        return new SecretIdEntry(String.valueOf(m.get("accessor")), strings(m.get("cidr_list")), strings(m.get("token_bound_cidrs")), meta,
                n(m, "num_uses"), n(m, "ttl"), n(m, "creation_time"), n(m, "expires_at"), n(m, "last_updated_time"));
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) for (Object x : l) out.add(String.valueOf(x));
        return out;
    }

    private static long n(Map<String, Object> m, String k) {
        return m.get(k) instanceof Number num ? num.longValue() : 0;
    }

    @Override
    public String toString() {
        return "SecretIdEntry[accessor=" + accessor + ", num_uses=" + numUses + ", expires_at=" + expiresAt + "]";
    }
}
