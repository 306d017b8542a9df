package dev.keyhaven.client.transit;

import java.util.Map;
import java.util.Optional;

/** A token whose signature verified against the key ring: its key id, algorithm, header and claims. */
public record VerifiedJwt(String keyId, String algorithm, Map<String, Object> header, Map<String, Object> claims) {
    public VerifiedJwt {
        header = Map.copyOf(header);
        claims = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(claims));
    }

    public Optional<String> subject() {
        return claims.get("sub") instanceof String s ? Optional.of(s) : Optional.empty();
    }

    public Optional<Object> claim(String name) {
        return Optional.ofNullable(claims.get(name));
    }

    @Override
    public String toString() {
        return "VerifiedJwt[kid=" + keyId + ", alg=" + algorithm + ", claims=" + claims.keySet() + "]";
    }
}
