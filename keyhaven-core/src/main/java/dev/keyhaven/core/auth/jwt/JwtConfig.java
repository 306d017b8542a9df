package dev.keyhaven.core.auth.jwt;

import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.logical.KeyhavenException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code auth/<mount>/config} of the JWT/OIDC method, with Vault's field names. Exactly one key source:
 * {@code oidc_discovery_url}, {@code jwks_url}, {@code jwks_pairs} or {@code jwt_validation_pubkeys}.
 * {@link #toString()} never shows {@code oidc_client_secret}.
 */
record JwtConfig(String oidcDiscoveryUrl, String oidcDiscoveryCaPem, String oidcClientId, String oidcClientSecret, String oidcResponseMode,
                 List<String> oidcResponseTypes, String jwksUrl, String jwksCaPem, List<JwksPair> jwksPairs, List<String> jwtValidationPubkeys,
                 List<String> jwtSupportedAlgs, String boundIssuer, String defaultRole, Map<String, Object> providerConfig, boolean namespaceInState) {

    record JwksPair(String jwksUrl, String jwksCaPem) {}

    static final List<String> ALL_ALGS = List.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA");

    static final Set<String> FIELDS = Set.of("oidc_discovery_url", "oidc_discovery_ca_pem", "oidc_client_id", "oidc_client_secret",
            "oidc_response_mode", "oidc_response_types", "jwks_url", "jwks_ca_pem", "jwks_pairs", "jwt_validation_pubkeys", "jwt_supported_algs",
            "bound_issuer", "default_role", "provider_config", "namespace_in_state");

    static final JwtConfig EMPTY = new JwtConfig("", "", "", "", "", List.of(), "", "", List.of(), List.of(), List.of(), "", "", Map.of(), true);

    JwtConfig {
        oidcResponseTypes = List.copyOf(oidcResponseTypes);
        jwksPairs = List.copyOf(jwksPairs);
        jwtValidationPubkeys = List.copyOf(jwtValidationPubkeys);
        jwtSupportedAlgs = List.copyOf(jwtSupportedAlgs);
        providerConfig = Map.copyOf(providerConfig);
    }

    /** Parses a config on top of {@code cur} (the engine passes {@link #EMPTY}: a write replaces the config), and validates it. */
    static JwtConfig parse(Map<String, Object> data, JwtConfig cur) {
        Fields f = new Fields(data, FIELDS);
        List<JwksPair> pairs = cur.jwksPairs();
        if (data.containsKey("jwks_pairs")) pairs = parsePairs(data.get("jwks_pairs"));
        List<String> pubkeys = data.containsKey("jwt_validation_pubkeys") ? pemList(data.get("jwt_validation_pubkeys")) : cur.jwtValidationPubkeys();
        Map<String, Object> provider = cur.providerConfig();
        if (data.get("provider_config") instanceof Map<?, ?> pm) {
            Map<String, Object> m = new LinkedHashMap<>();
            pm.forEach((k, v) -> m.put(String.valueOf(k), v));
            provider = m;
        } else if (data.get("provider_config") != null) {
            throw KeyhavenException.badRequest("invalid value for field 'provider_config': expected an object");
        }
        JwtConfig c = new JwtConfig(
                f.string("oidc_discovery_url").orElse(cur.oidcDiscoveryUrl()).strip(),
                pem(data, "oidc_discovery_ca_pem", cur.oidcDiscoveryCaPem()),
                f.string("oidc_client_id").orElse(cur.oidcClientId()),
                f.string("oidc_client_secret").orElse(cur.oidcClientSecret()),
                f.string("oidc_response_mode").orElse(cur.oidcResponseMode()),
                f.stringList("oidc_response_types").orElse(cur.oidcResponseTypes()),
                f.string("jwks_url").orElse(cur.jwksUrl()).strip(),
                pem(data, "jwks_ca_pem", cur.jwksCaPem()),
                pairs, pubkeys,
                f.stringList("jwt_supported_algs").orElse(cur.jwtSupportedAlgs()),
                f.string("bound_issuer").orElse(cur.boundIssuer()),
                f.string("default_role").orElse(cur.defaultRole()),
                provider,
                f.bool("namespace_in_state").orElse(cur.namespaceInState()));
        c.validate();
        return c;
    }

    /** PEM fields may be longer than ordinary strings (CA bundles): up to 256 KiB. */
    static final int MAX_PEM = 256 * 1024;

    private static String pem(Map<String, Object> data, String name, String dflt) {
        Object v = data.get(name);
        if (v == null) return dflt;
        if (!(v instanceof String s)) throw KeyhavenException.badRequest("invalid value for field '" + name + "': expected a PEM string");
        if (s.length() > MAX_PEM) throw KeyhavenException.badRequest("field '" + name + "' is too long (maximum " + MAX_PEM + " characters)");
        return s;
    }

    private static List<JwksPair> parsePairs(Object raw) {
        if (raw == null) return List.of();
        List<?> items;
        if (raw instanceof List<?> l) items = l;
        else if (raw instanceof String s && !s.isBlank()) {
            Object parsed;
            try {
                parsed = dev.keyhaven.core.util.Json.MAPPER.readValue(s, Object.class);
            } catch (java.io.IOException e) {
                throw KeyhavenException.badRequest("invalid value for field 'jwks_pairs': expected a list of objects with 'jwks_url' and 'jwks_ca_pem'");
            }
            if (!(parsed instanceof List<?> l2)) throw KeyhavenException.badRequest("invalid value for field 'jwks_pairs': expected a list");
            items = l2;
        } else if (raw instanceof String) {
            return List.of();
        } else {
            throw KeyhavenException.badRequest("invalid value for field 'jwks_pairs': expected a list");
        }
        List<JwksPair> out = new ArrayList<>();
        for (Object o : items) {
            Object item = o;
            if (o instanceof String s) {
                try {
                    item = dev.keyhaven.core.util.Json.MAPPER.readValue(s, Object.class);
                } catch (java.io.IOException e) {
                    throw KeyhavenException.badRequest("invalid value for field 'jwks_pairs': each element must be an object");
                }
            }
            if (!(item instanceof Map<?, ?> m)) throw KeyhavenException.badRequest("invalid value for field 'jwks_pairs': each element must be an object");
            Object url = m.get("jwks_url"), ca = m.get("jwks_ca_pem");
            if (!(url instanceof String u) || u.isBlank()) throw KeyhavenException.badRequest("each element of 'jwks_pairs' needs a 'jwks_url'");
            if (ca instanceof String cs && cs.length() > MAX_PEM) throw KeyhavenException.badRequest("'jwks_ca_pem' in 'jwks_pairs' is too long");
            if (ca != null && !(ca instanceof String)) throw KeyhavenException.badRequest("'jwks_ca_pem' in 'jwks_pairs' must be a string");
            out.add(new JwksPair(u.strip(), ca == null ? "" : (String) ca));
        }
        if (out.size() > 16) throw KeyhavenException.badRequest("'jwks_pairs' has too many elements (maximum 16)");
        return out;
    }

    private static List<String> pemList(Object raw) {
        if (raw == null) return List.of();
        List<String> out = new ArrayList<>();
        if (raw instanceof String s) {
            if (!s.isBlank()) out.add(s);
        } else if (raw instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s)) throw KeyhavenException.badRequest("invalid value for field 'jwt_validation_pubkeys': expected a list of PEM strings");
                if (s.length() > MAX_PEM) throw KeyhavenException.badRequest("an element of 'jwt_validation_pubkeys' is too long");
                if (!s.isBlank()) out.add(s);
            }
        } else {
            throw KeyhavenException.badRequest("invalid value for field 'jwt_validation_pubkeys': expected a list of PEM strings");
        }
        if (out.size() > 64) throw KeyhavenException.badRequest("'jwt_validation_pubkeys' has too many elements (maximum 64)");
        return out;
    }

    /** Offline checks (the key sources are fetched by the engine). */
    void validate() {
        int sources = (oidcDiscoveryUrl.isEmpty() ? 0 : 1) + (jwksUrl.isEmpty() ? 0 : 1) + (jwksPairs.isEmpty() ? 0 : 1)
                + (jwtValidationPubkeys.isEmpty() ? 0 : 1);
        if (sources != 1) {
            throw KeyhavenException.badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set");
        }
        if (!jwksPairs.isEmpty()) {
            if (!boundIssuer.isEmpty()) throw KeyhavenException.badRequest("'bound_issuer' is not supported with 'jwks_pairs'");
            if (jwksPairs.size() > 1) {
                for (JwksPair p : jwksPairs) {
                    if (p.jwksCaPem().isBlank()) throw KeyhavenException.badRequest("'jwks_ca_pem' must be set for each element of 'jwks_pairs' when there are several");
                }
            }
            for (JwksPair p : jwksPairs) if (!p.jwksCaPem().isBlank()) checkCa(p.jwksCaPem());
        }
        if (!oidcDiscoveryCaPem.isBlank()) checkCa(oidcDiscoveryCaPem);
        if (!jwksCaPem.isBlank()) checkCa(jwksCaPem);
        for (String a : jwtSupportedAlgs) {
            if (!ALL_ALGS.contains(a)) throw KeyhavenException.badRequest("invalid jwt_supported_algs: unsupported signing algorithm \"" + printable(a) + "\"");
        }
        if (!oidcResponseMode.isEmpty() && !oidcResponseMode.equals("query") && !oidcResponseMode.equals("form_post")) {
            throw KeyhavenException.badRequest("invalid response_mode: \"" + printable(oidcResponseMode) + "\"");
        }
        for (String t : oidcResponseTypes) {
            if (!t.equals("code") && !t.equals("id_token")) throw KeyhavenException.badRequest("invalid response_type: \"" + printable(t) + "\"");
        }
        if (!oidcClientSecret.isEmpty() && oidcClientId.isEmpty()) {
            throw KeyhavenException.badRequest("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
        }
        if (!jwtValidationPubkeys.isEmpty()) {
            for (String pem : jwtValidationPubkeys) {
                try {
                    StaticKeySet.parse(pem);
                } catch (IllegalArgumentException e) {
                    throw KeyhavenException.badRequest(e.getMessage());
                }
            }
        }
        if (!defaultRole.isEmpty()) dev.keyhaven.core.auth.Fields.segmentName("role", defaultRole);
    }

    private static void checkCa(String pem) {
        try {
            Https.parseCaPem(pem);
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest("could not parse CA PEM value successfully");
        }
    }

    static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7e…]", "?");
    }

    /** The algorithms a jwt role accepts: the configured set, or every asymmetric algorithm. */
    List<String> allowedAlgs() {
        return jwtSupportedAlgs.isEmpty() ? ALL_ALGS : jwtSupportedAlgs;
    }

    /** Vault's read shape (the client secret is never returned). */
    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bound_issuer", boundIssuer);
        m.put("default_role", defaultRole);
        m.put("jwks_ca_pem", jwksCaPem);
        List<Map<String, Object>> pairs = new ArrayList<>();
        for (JwksPair p : jwksPairs) pairs.add(Map.of("jwks_url", p.jwksUrl(), "jwks_ca_pem", p.jwksCaPem()));
        m.put("jwks_pairs", pairs);
        m.put("jwks_url", jwksUrl);
        m.put("jwt_supported_algs", jwtSupportedAlgs);
        m.put("jwt_validation_pubkeys", jwtValidationPubkeys);
        m.put("namespace_in_state", namespaceInState);
        m.put("oidc_client_id", oidcClientId);
        m.put("oidc_discovery_ca_pem", oidcDiscoveryCaPem);
        m.put("oidc_discovery_url", oidcDiscoveryUrl);
        m.put("oidc_response_mode", oidcResponseMode);
        m.put("oidc_response_types", oidcResponseTypes);
        m.put("provider_config", providerConfig);
        return m;
    }

    Map<String, Object> toStored() {
        Map<String, Object> m = toWire();
        m.put("oidc_client_secret", oidcClientSecret);
        return m;
    }

    static JwtConfig fromStored(Map<String, Object> m) {
        return parse(m, EMPTY);
    }

    @Override
    public String toString() {
        return "JwtConfig[discovery=" + oidcDiscoveryUrl + ", jwks_url=" + jwksUrl + ", jwks_pairs=" + jwksPairs.size() + ", pubkeys="
                + jwtValidationPubkeys.size() + ", bound_issuer=" + boundIssuer + ", oidc_client_secret=" + (oidcClientSecret.isEmpty() ? "unset" : "<redacted>") + "]";
    }
}
