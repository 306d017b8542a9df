package dev.keyhaven.core.auth.token;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A token role ({@code auth/token/roles/:name}), with Vault's field names in its wire form. Durations in seconds. */
public record TokenRole(
        String name,
        List<String> allowedPolicies,
        List<String> disallowedPolicies,
        List<String> allowedPoliciesGlob,
        List<String> disallowedPoliciesGlob,
        List<String> allowedEntityAliases,
        boolean orphan,
        boolean renewable,
        String pathSuffix,
        long explicitMaxTtl,
        long period,
        String tokenType,
        boolean noDefaultPolicy,
        long numUses,
        List<String> boundCidrs) {

    public TokenRole {
        allowedPolicies = List.copyOf(allowedPolicies);
        disallowedPolicies = List.copyOf(disallowedPolicies);
        allowedPoliciesGlob = List.copyOf(allowedPoliciesGlob);
        disallowedPoliciesGlob = List.copyOf(disallowedPoliciesGlob);
        allowedEntityAliases = List.copyOf(allowedEntityAliases);
        boundCidrs = boundCidrs == null ? List.of() : List.copyOf(boundCidrs);
    }

    static TokenRole defaults(String name) {
        return new TokenRole(name, List.of(), List.of(), List.of(), List.of(), List.of(), false, true, "", 0, 0, "default-service", false, 0, List.of());
    }

    /** Whether the role restricts policies itself (then the parent's policies do not bound the child's). */
    boolean restrictsPolicies() {
        return !allowedPolicies.isEmpty() || !disallowedPolicies.isEmpty() || !allowedPoliciesGlob.isEmpty() || !disallowedPoliciesGlob.isEmpty();
    }

    /** The response of a role read, as Vault returns it. */
    public Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("allowed_entity_aliases", allowedEntityAliases);
        m.put("allowed_policies", allowedPolicies);
        m.put("allowed_policies_glob", allowedPoliciesGlob);
        m.put("disallowed_policies", disallowedPolicies);
        m.put("disallowed_policies_glob", disallowedPoliciesGlob);
        m.put("explicit_max_ttl", explicitMaxTtl);
        m.put("name", name);
        m.put("orphan", orphan);
        m.put("path_suffix", pathSuffix);
        m.put("period", period);
        m.put("renewable", renewable);
        m.put("token_bound_cidrs", boundCidrs);
        m.put("token_explicit_max_ttl", explicitMaxTtl);
        m.put("token_no_default_policy", noDefaultPolicy);
        m.put("token_num_uses", numUses);
        m.put("token_period", period);
        m.put("token_type", tokenType);
        return m;
    }

    Map<String, Object> toStored() {
        Map<String, Object> m = toWire();
        m.put("v", 1);
        return m;
    }

    @SuppressWarnings("unchecked")
    static TokenRole fromStored(Map<String, Object> m) {
        return new TokenRole((String) m.get("name"), (List<String>) m.get("allowed_policies"), (List<String>) m.get("disallowed_policies"),
                (List<String>) m.get("allowed_policies_glob"), (List<String>) m.get("disallowed_policies_glob"),
                (List<String>) m.get("allowed_entity_aliases"), Boolean.TRUE.equals(m.get("orphan")), Boolean.TRUE.equals(m.get("renewable")),
                (String) m.get("path_suffix"), ((Number) m.get("token_explicit_max_ttl")).longValue(), ((Number) m.get("token_period")).longValue(),
                (String) m.get("token_type"), Boolean.TRUE.equals(m.get("token_no_default_policy")), ((Number) m.get("token_num_uses")).longValue(),
                m.get("token_bound_cidrs") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of());
    }
}
