package dev.keyhaven.core.auth.approle;

import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.auth.login.Cidrs;
import dev.keyhaven.core.auth.login.TokenParams;
import dev.keyhaven.core.logical.KeyhavenException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An AppRole role, with Vault's fields and defaults ({@code bind_secret_id} true). Deprecated aliases:
 * {@code policies} → {@code token_policies}, {@code period} → {@code token_period}, {@code bound_cidr_list} →
 * {@code secret_id_bound_cidrs}. {@code roleId} is a credential half: {@link #toString()} hides it.
 */
record AppRole(String name, String roleId, boolean bindSecretId, List<String> secretIdBoundCidrs, long secretIdNumUses, long secretIdTtl,
               boolean localSecretIds, TokenParams token) {

    static final Set<String> SKIPPED_ALIASES = Set.of("ttl", "max_ttl", "num_uses", "bound_cidrs");
    static final Set<String> FIELDS;

    static {
        Set<String> s = new HashSet<>(Set.of("role_name", "role_id", "bind_secret_id", "secret_id_bound_cidrs", "bound_cidr_list", "secret_id_num_uses",
                "secret_id_ttl", "local_secret_ids"));
        s.addAll(TokenParams.allFieldNames(SKIPPED_ALIASES));
        FIELDS = Set.copyOf(s);
    }

    AppRole {
        secretIdBoundCidrs = List.copyOf(secretIdBoundCidrs);
    }

    /** Parses a write on top of {@code cur} (null for a create); Vault's validation and error strings. */
    static AppRole parse(String name, Map<String, Object> data, AppRole cur, String generatedRoleId) {
        Fields f = new Fields(data, FIELDS);
        boolean create = cur == null;
        String roleId = f.string("role_id").map(String::strip).orElse(create ? generatedRoleId : cur.roleId());
        if (roleId.isEmpty()) throw KeyhavenException.badRequest("invalid role_id supplied, or failed to generate a role_id");
        if (roleId.length() > 512) throw KeyhavenException.badRequest("role_id is too long (maximum 512 characters)");
        List<String> cidrs;
        if (f.has("secret_id_bound_cidrs")) cidrs = Cidrs.validate("secret_id_bound_cidrs", f.stringList("secret_id_bound_cidrs").orElseThrow());
        else if (f.has("bound_cidr_list")) cidrs = Cidrs.validate("bound_cidr_list", f.stringList("bound_cidr_list").orElseThrow());
        else cidrs = create ? List.of() : cur.secretIdBoundCidrs();
        long numUses = f.integer("secret_id_num_uses").orElse(create ? 0 : cur.secretIdNumUses());
        if (numUses < 0) throw KeyhavenException.badRequest("secret_id_num_uses cannot be negative");
        long ttl = f.duration("secret_id_ttl").map(java.time.Duration::toSeconds).orElse(create ? 0 : cur.secretIdTtl());
        boolean local = create ? f.bool("local_secret_ids", false) : cur.localSecretIds();
        if (!create && f.has("local_secret_ids") && f.bool("local_secret_ids", false) != cur.localSecretIds()) {
            throw KeyhavenException.badRequest("local_secret_ids can only be modified during role creation");
        }
        TokenParams token = TokenParams.parse(f, create ? TokenParams.DEFAULTS : cur.token(), SKIPPED_ALIASES);
        AppRole r = new AppRole(name, roleId, f.bool("bind_secret_id").orElse(create || cur.bindSecretId()), cidrs, numUses, ttl, local, token);
        if (!r.bindSecretId() && r.secretIdBoundCidrs().isEmpty() && r.token().boundCidrs().isEmpty()) {
            throw KeyhavenException.badRequest("at least one constraint should be enabled on the role");
        }
        if (token.maxTtl() > 0 && token.ttl() > token.maxTtl()) {
            throw KeyhavenException.badRequest("token_ttl should not be greater than token_max_ttl");
        }
        return r;
    }

    /** Vault's read shape (the role ID is read separately, at role/NAME/role-id). */
    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bind_secret_id", bindSecretId);
        m.put("local_secret_ids", localSecretIds);
        m.put("secret_id_bound_cidrs", secretIdBoundCidrs);
        m.put("secret_id_num_uses", secretIdNumUses);
        m.put("secret_id_ttl", secretIdTtl);
        m.putAll(token.toWire());
        if (!token.policies().isEmpty()) m.put("policies", token.policies());
        if (token.period() != 0) m.put("period", token.period());
        return m;
    }

    Map<String, Object> toStored() {
        Map<String, Object> m = new LinkedHashMap<>(token.toStored());
        m.put("name", name);
        m.put("role_id", roleId);
        m.put("bind_secret_id", bindSecretId);
        m.put("local_secret_ids", localSecretIds);
        m.put("secret_id_bound_cidrs", secretIdBoundCidrs);
        m.put("secret_id_num_uses", secretIdNumUses);
        m.put("secret_id_ttl", secretIdTtl);
        return m;
    }

    static AppRole fromStored(Map<String, Object> m) {
        List<String> cidrs = new java.util.ArrayList<>();
        if (m.get("secret_id_bound_cidrs") instanceof List<?> l) for (Object o : l) cidrs.add(String.valueOf(o));
        return new AppRole(String.valueOf(m.get("name")), String.valueOf(m.get("role_id")), Boolean.TRUE.equals(m.get("bind_secret_id")), cidrs,
                m.get("secret_id_num_uses") instanceof Number n ? n.longValue() : 0, m.get("secret_id_ttl") instanceof Number n2 ? n2.longValue() : 0,
                Boolean.TRUE.equals(m.get("local_secret_ids")), TokenParams.fromStored(m));
    }

    @Override
    public String toString() {
        return "AppRole[" + name + ", role_id=<redacted>, bind_secret_id=" + bindSecretId + ", policies=" + token.policies() + "]";
    }
}
