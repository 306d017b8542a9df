package dev.keyhaven.core.auth.jwt;

import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.auth.login.TokenParams;
import dev.keyhaven.core.logical.KeyhavenException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A role of the JWT/OIDC method ({@code auth/<mount>/role/<name>}), with Vault's field names and defaults
 * ({@code role_type} defaults to {@code oidc}). Writes to an existing role merge: fields not sent keep their value.
 *
 * <p>Keyhaven additions (optional fields real Vault clients never send): {@code jti_replay_protection},
 * {@code deny_claims} (claim → denied value(s)), {@code required_claims} (claims that must be present).
 *
 * @param clockSkewLeeway  seconds; 0 = default (60), negative = none
 * @param expirationLeeway seconds; 0 = default (150), negative = none
 * @param notBeforeLeeway  seconds; 0 = default (150), negative = none
 */
record JwtRole(String roleType, List<String> boundAudiences, String boundSubject, Map<String, Object> boundClaims, String boundClaimsType,
               Map<String, String> claimMappings, String userClaim, boolean userClaimJsonPointer, String groupsClaim, List<String> oidcScopes,
               List<String> allowedRedirectUris, boolean verboseOidcLogging, long maxAge, long clockSkewLeeway, long expirationLeeway,
               long notBeforeLeeway, TokenParams token, boolean jtiReplayProtection, Map<String, Object> denyClaims, List<String> requiredClaims) {

    static final Set<String> OWN_FIELDS = Set.of("role_type", "bound_audiences", "bound_subject", "bound_claims", "bound_claims_type",
            "claim_mappings", "user_claim", "user_claim_json_pointer", "groups_claim", "oidc_scopes", "allowed_redirect_uris",
            "verbose_oidc_logging", "max_age", "clock_skew_leeway", "expiration_leeway", "not_before_leeway", "jti_replay_protection",
            "deny_claims", "required_claims");
    static final Set<String> FIELDS;

    static {
        Set<String> s = new HashSet<>(OWN_FIELDS);
        s.addAll(TokenParams.allFieldNames(Set.of()));
        FIELDS = Set.copyOf(s);
    }

    static final JwtRole NEW = new JwtRole("oidc", List.of(), "", Map.of(), "string", Map.of(), "", false, "", List.of(), List.of(), false, 0,
            60, 150, 150, TokenParams.DEFAULTS, false, Map.of(), List.of());

    JwtRole {
        boundAudiences = List.copyOf(boundAudiences);
        boundClaims = java.util.Collections.unmodifiableMap(new TreeMap<>(boundClaims));
        claimMappings = java.util.Collections.unmodifiableMap(new TreeMap<>(claimMappings));
        oidcScopes = List.copyOf(oidcScopes);
        allowedRedirectUris = List.copyOf(allowedRedirectUris);
        denyClaims = java.util.Collections.unmodifiableMap(new TreeMap<>(denyClaims));
        requiredClaims = List.copyOf(requiredClaims);
    }

    boolean isJwt() {
        return roleType.equals("jwt");
    }

    /** Parses a role write on top of {@code cur} (NEW for a create) and validates it with Vault's rules and errors. */
    static JwtRole parse(Map<String, Object> data, JwtRole cur) {
        Fields f = new Fields(data, FIELDS);
        String roleType = f.string("role_type").map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse(cur.roleType());
        if (roleType.isEmpty()) roleType = "oidc";
        if (!roleType.equals("oidc") && !roleType.equals("jwt")) {
            throw KeyhavenException.badRequest("invalid 'role_type': " + JwtConfig.printable(roleType));
        }
        String claimsType = f.string("bound_claims_type").map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse(cur.boundClaimsType());
        if (claimsType.isEmpty()) claimsType = "string";
        if (!claimsType.equals("string") && !claimsType.equals("glob")) {
            throw KeyhavenException.badRequest("invalid 'bound_claims_type': " + JwtConfig.printable(claimsType));
        }
        Map<String, Object> boundClaims = data.containsKey("bound_claims") ? claimValueMap("bound_claims", data.get("bound_claims")) : cur.boundClaims();
        if (claimsType.equals("glob")) {
            for (Map.Entry<String, Object> e : boundClaims.entrySet()) {
                for (Object v : asList(e.getValue())) {
                    if (!(v instanceof String)) throw KeyhavenException.badRequest("claim is not a string or list: bound claim \"" + JwtConfig.printable(e.getKey()) + "\" must hold strings when 'bound_claims_type' is glob");
                }
            }
        }
        Map<String, String> mappings = cur.claimMappings();
        if (data.containsKey("claim_mappings")) {
            mappings = f.stringMap("claim_mappings").orElse(Map.of());
            Set<String> targets = new HashSet<>();
            for (Map.Entry<String, String> e : new TreeMap<>(mappings).entrySet()) {
                if (e.getValue().equals("role")) {
                    throw KeyhavenException.badRequest("metadata key \"role\" is reserved and may not be a mapping destination");
                }
                if (!targets.add(e.getValue())) {
                    throw KeyhavenException.badRequest("multiple keys are mapped to metadata key \"" + JwtConfig.printable(e.getValue()) + "\"");
                }
            }
        }
        TokenParams token = TokenParams.parse(f, cur.token(), Set.of());
        JwtRole r = new JwtRole(roleType,
                f.stringList("bound_audiences").orElse(cur.boundAudiences()),
                f.string("bound_subject").orElse(cur.boundSubject()),
                boundClaims, claimsType, mappings,
                f.string("user_claim").orElse(cur.userClaim()).strip(),
                f.bool("user_claim_json_pointer").orElse(cur.userClaimJsonPointer()),
                f.string("groups_claim").orElse(cur.groupsClaim()),
                f.stringList("oidc_scopes").orElse(cur.oidcScopes()),
                f.stringList("allowed_redirect_uris").orElse(cur.allowedRedirectUris()),
                f.bool("verbose_oidc_logging").orElse(cur.verboseOidcLogging()),
                f.duration("max_age").map(java.time.Duration::toSeconds).orElse(cur.maxAge()),
                leeway(f, "clock_skew_leeway", cur.clockSkewLeeway()),
                leeway(f, "expiration_leeway", cur.expirationLeeway()),
                leeway(f, "not_before_leeway", cur.notBeforeLeeway()),
                token,
                f.bool("jti_replay_protection").orElse(cur.jtiReplayProtection()),
                data.containsKey("deny_claims") ? claimValueMap("deny_claims", data.get("deny_claims")) : cur.denyClaims(),
                f.stringList("required_claims").orElse(cur.requiredClaims()));
        r.validate();
        return r;
    }

    private void validate() {
        if (userClaim.isEmpty()) throw KeyhavenException.badRequest("a user claim must be defined on the role");
        if (isJwt() && boundAudiences.isEmpty() && boundSubject.isEmpty() && boundClaims.isEmpty() && token.boundCidrs().isEmpty()) {
            throw KeyhavenException.badRequest("must have at least one bound constraint when creating/updating a role");
        }
        if (!isJwt() && allowedRedirectUris.isEmpty()) {
            throw KeyhavenException.badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
        }
        if (token.maxTtl() > 0 && token.ttl() > token.maxTtl()) throw KeyhavenException.badRequest("ttl should not be greater than max ttl");
    }

    private static long leeway(Fields f, String name, long dflt) {
        if (!f.has(name)) return dflt;
        java.time.Duration d = dev.keyhaven.core.auth.Durations.parse(name, requireScalar(f, name));
        return d.isNegative() ? -1 : d.toSeconds();
    }

    private static Object requireScalar(Fields f, String name) {
        return f.string(name).orElse("");
    }

    /** A map of claim → value or list of values (strings, numbers, booleans), as bound_claims/deny_claims take. */
    static Map<String, Object> claimValueMap(String field, Object raw) {
        if (raw == null) return Map.of();
        if (raw instanceof String s && s.isBlank()) return Map.of();
        if (!(raw instanceof Map<?, ?> m)) throw KeyhavenException.badRequest("invalid value for field '" + field + "': expected an object of claim names to values");
        if (m.size() > 64) throw KeyhavenException.badRequest("field '" + field + "' has too many claims (maximum 64)");
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = String.valueOf(e.getKey());
            if (k.isEmpty() || k.length() > 256) throw KeyhavenException.badRequest("invalid claim name in '" + field + "'");
            Object v = e.getValue();
            if (v instanceof List<?> l) {
                if (l.isEmpty() || l.size() > 256) throw KeyhavenException.badRequest("claim \"" + JwtConfig.printable(k) + "\" in '" + field + "' needs 1 to 256 values");
                List<Object> vals = new ArrayList<>();
                for (Object x : l) vals.add(scalar(field, k, x));
                out.put(k, vals);
            } else {
                out.put(k, scalar(field, k, v));
            }
        }
        return out;
    }

    private static Object scalar(String field, String claim, Object v) {
        if (v instanceof String s) {
            if (s.length() > 4096) throw KeyhavenException.badRequest("a value of claim \"" + JwtConfig.printable(claim) + "\" in '" + field + "' is too long");
            return s;
        }
        if (v instanceof Boolean) return v;
        if (v instanceof Number n) return new BigDecimal(n.toString());
        throw KeyhavenException.badRequest("bound claim is not a string or list: \"" + JwtConfig.printable(claim) + "\" in '" + field
                + "' must hold a string, number, boolean or a list of them");
    }

    static List<Object> asList(Object v) {
        if (v instanceof List<?> l) return new ArrayList<>(l);
        List<Object> one = new ArrayList<>();
        one.add(v);
        return one;
    }

    /** Write-time warnings for weak roles (never refusals: Vault accepts these roles). */
    List<String> lint() {
        List<String> w = new ArrayList<>();
        if (!isJwt()) return w;
        Set<String> keys = new TreeSet<>(boundClaims.keySet());
        if (boundAudiences.isEmpty()) {
            w.add("role has no bound_audiences: tokens minted for any relying party are accepted (and a token carrying an 'aud' claim is refused); bind an audience specific to this server");
        }
        List<String> subjects = new ArrayList<>();
        if (!boundSubject.isEmpty()) subjects.add(boundSubject);
        if (boundClaims.containsKey("sub")) for (Object v : asList(boundClaims.get("sub"))) subjects.add(String.valueOf(v));
        boolean github = keys.stream().anyMatch(k -> k.startsWith("repository") || k.equals("job_workflow_ref") || k.equals("workflow_ref"))
                || subjects.stream().anyMatch(s -> s.startsWith("repo:"));
        boolean gitlab = keys.stream().anyMatch(k -> k.startsWith("project_") || k.startsWith("namespace_"))
                || subjects.stream().anyMatch(s -> s.startsWith("project_path:"));
        Set<String> ownerOnly = Set.of("repository_owner", "repository_owner_id", "namespace_path", "namespace_id");
        if (boundSubject.isEmpty() && !keys.isEmpty() && ownerOnly.containsAll(keys)) {
            w.add("role binds only the owner/namespace (" + String.join(", ", keys) + "): every repository or project of that owner, including new ones, can log in; bind the repository or project too");
        }
        if (boundClaimsType.equals("glob")) {
            for (Map.Entry<String, Object> e : boundClaims.entrySet()) {
                for (Object v : asList(e.getValue())) {
                    String s = String.valueOf(v);
                    if (globCoversRepo(e.getKey(), s)) {
                        w.add("bound claim \"" + e.getKey() + "\" uses a glob over the repository or project name (\"" + JwtConfig.printable(s)
                                + "\"): any matching repository, including ones created later, can log in");
                    } else if (e.getKey().equals("sub") && s.endsWith(":*")) {
                        w.add("bound claim \"sub\" ends in ':*' (\"" + JwtConfig.printable(s) + "\"): it admits pull_request runs and every branch and environment");
                    }
                }
            }
        }
        if (userClaim.equals("actor") || userClaim.equals("user_login")) {
            w.add("user_claim \"" + userClaim + "\" names whoever triggered the run, which can change between runs and is spoofable in bot flows; use \"sub\"");
        }
        for (String k : keys) {
            if (k.equals("workflow")) w.add("bound claim \"workflow\" is the workflow's free-text name; bind \"job_workflow_ref\" or \"workflow_ref\" instead");
            if (k.equals("actor")) w.add("bound claim \"actor\" is the last actor of the run; do not use it for trust");
        }
        if (github && !(keys.contains("repository_id") && keys.contains("repository_owner_id"))
                && (keys.contains("repository") || keys.contains("repository_owner") || !subjects.isEmpty())) {
            w.add("role binds GitHub names but not the immutable 'repository_id' and 'repository_owner_id': a renamed or deleted-and-recreated repository or owner could log in");
        }
        if (gitlab && !(keys.contains("project_id") && keys.contains("namespace_id"))) {
            w.add("role binds GitLab names but not the immutable 'project_id' and 'namespace_id' (fork merge-request pipelines carry the fork's path claims)");
        }
        if (token.effectiveMaxTtl() == 0) w.add("role has no token_max_ttl: issued tokens can be renewed up to the system maximum; CI tokens should live minutes");
        if (token.ttl() > 3600 || token.maxTtl() > 3600 || token.explicitMaxTtl() > 3600 || token.period() > 3600) {
            w.add("role allows token lifetimes above 1h; CI jobs rarely need more than 15m");
        }
        return w;
    }

    private static boolean globCoversRepo(String claim, String value) {
        if (!value.contains("*")) return false;
        switch (claim) {
            case "repository", "project_path", "job_workflow_ref", "workflow_ref", "ci_config_ref_uri" -> {
                int at = value.indexOf('@');
                String repoPart = at >= 0 ? value.substring(0, at) : value;
                if (claim.endsWith("workflow_ref") || claim.equals("ci_config_ref_uri")) {
                    int wf = repoPart.indexOf("/.github/");
                    if (wf < 0) wf = repoPart.indexOf("//");
                    repoPart = wf >= 0 ? repoPart.substring(0, wf) : repoPart;
                }
                return repoPart.contains("*");
            }
            case "sub" -> {
                for (String prefix : List.of("repo:", "project_path:")) {
                    if (value.startsWith(prefix)) {
                        String rest = value.substring(prefix.length());
                        int colon = rest.indexOf(':');
                        return (colon < 0 ? rest : rest.substring(0, colon)).contains("*");
                    }
                }
                return value.startsWith("*");
            }
            default -> {
                return false;
            }
        }
    }

    /** Vault's read shape. */
    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("allowed_redirect_uris", allowedRedirectUris);
        m.put("bound_audiences", boundAudiences);
        m.put("bound_claims", boundClaims.isEmpty() ? null : wireClaims(boundClaims));
        m.put("bound_claims_type", boundClaimsType);
        m.put("bound_subject", boundSubject);
        m.put("claim_mappings", claimMappings.isEmpty() ? null : claimMappings);
        m.put("clock_skew_leeway", clockSkewLeeway);
        m.put("expiration_leeway", expirationLeeway);
        m.put("groups_claim", groupsClaim);
        m.put("max_age", maxAge);
        m.put("not_before_leeway", notBeforeLeeway);
        m.put("oidc_scopes", oidcScopes);
        m.put("role_type", roleType);
        m.putAll(token.toWire());
        m.put("user_claim", userClaim);
        m.put("user_claim_json_pointer", userClaimJsonPointer);
        m.put("verbose_oidc_logging", verboseOidcLogging);
        m.put("jti_replay_protection", jtiReplayProtection);
        m.put("deny_claims", denyClaims.isEmpty() ? null : wireClaims(denyClaims));
        m.put("required_claims", requiredClaims);
        return m;
    }

    private static Map<String, Object> wireClaims(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v));
        return out;
    }

    Map<String, Object> toStored() {
        Map<String, Object> m = toWire();
        m.put("bound_claims", wireClaims(boundClaims));
        m.put("claim_mappings", claimMappings);
        m.put("deny_claims", wireClaims(denyClaims));
        return m;
    }

    static JwtRole fromStored(Map<String, Object> m) {
        Map<String, Object> copy = new LinkedHashMap<>(m);
        return parse(copy, NEW);
    }
}
