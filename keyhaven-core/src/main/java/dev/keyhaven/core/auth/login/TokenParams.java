package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.logical.KeyhavenException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The token fields every Vault auth method role carries ({@code token_ttl, token_max_ttl, token_policies,
 * token_bound_cidrs, token_explicit_max_ttl, token_no_default_policy, token_num_uses, token_period, token_type}),
 * with Vault's deprecated aliases ({@code policies, ttl, max_ttl, period, num_uses, bound_cidrs}): the new name wins
 * when both are sent. Durations are whole seconds.
 */
public record TokenParams(List<String> policies, long ttl, long maxTtl, long explicitMaxTtl, long period, long numUses,
                          boolean noDefaultPolicy, List<String> boundCidrs, String tokenType) {
    public static final TokenParams DEFAULTS = new TokenParams(List.of(), 0, 0, 0, 0, 0, false, List.of(), "default");

    public static final Set<String> FIELDS = Set.of("token_ttl", "token_max_ttl", "token_policies", "token_bound_cidrs", "token_explicit_max_ttl",
            "token_no_default_policy", "token_num_uses", "token_period", "token_type");
    /** Deprecated alias → current name. */
    public static final Map<String, String> ALIASES = Map.of("policies", "token_policies", "ttl", "token_ttl", "max_ttl", "token_max_ttl",
            "period", "token_period", "num_uses", "token_num_uses", "bound_cidrs", "token_bound_cidrs");

    public TokenParams {
        policies = List.copyOf(policies);
        boundCidrs = List.copyOf(boundCidrs);
    }

    /** Every accepted field name (current and deprecated), for unknown-field warnings. */
    public static Set<String> allFieldNames(Set<String> aliasesToSkip) {
        Set<String> s = new TreeSet<>(FIELDS);
        for (String a : ALIASES.keySet()) if (!aliasesToSkip.contains(a)) s.add(a);
        return s;
    }

    /**
     * Applies the fields present in {@code f} on top of {@code cur} (Vault merges on update). {@code skipAliases}
     * names deprecated aliases the method does not take (AppRole has no {@code ttl}/{@code max_ttl}...).
     */
    public static TokenParams parse(Fields f, TokenParams cur, Set<String> skipAliases) {
        List<String> policies = list(f, "token_policies", skipAliases).map(TokenParams::sanitize).orElse(cur.policies());
        for (String p : policies) {
            Fields.segmentName("policy", p);
            if (p.equals("root")) throw KeyhavenException.badRequest("'root' cannot be a token policy of an auth method role");
        }
        long ttl = dur(f, "token_ttl", skipAliases, cur.ttl());
        long maxTtl = dur(f, "token_max_ttl", skipAliases, cur.maxTtl());
        long explicitMax = dur(f, "token_explicit_max_ttl", skipAliases, cur.explicitMaxTtl());
        long period = dur(f, "token_period", skipAliases, cur.period());
        long numUses = num(f, "token_num_uses", skipAliases, cur.numUses());
        if (numUses < 0) throw KeyhavenException.badRequest("'token_num_uses' cannot be negative");
        boolean noDefault = f.bool("token_no_default_policy").orElse(cur.noDefaultPolicy());
        List<String> cidrs = list(f, "token_bound_cidrs", skipAliases).map(l -> Cidrs.validate("token_bound_cidrs", l)).orElse(cur.boundCidrs());
        String type = f.string("token_type").map(s -> s.strip().toLowerCase(Locale.ROOT)).orElse(cur.tokenType());
        switch (type) {
            case "", "default", "service", "default-service" -> type = type.isEmpty() || type.equals("default-service") ? "default" : type;
            case "batch", "default-batch" -> throw KeyhavenException.badRequest("batch tokens are not supported by this server; use token_type \"service\"");
            default -> throw KeyhavenException.badRequest("invalid 'token_type' value");
        }
        return new TokenParams(policies, ttl, maxTtl, explicitMax, period, numUses, noDefault, cidrs, type);
    }

    private static java.util.Optional<List<String>> list(Fields f, String name, Set<String> skip) {
        if (f.has(name)) return f.stringList(name);
        String alias = aliasOf(name);
        if (alias != null && !skip.contains(alias) && f.has(alias)) return f.stringList(alias);
        return java.util.Optional.empty();
    }

    private static long dur(Fields f, String name, Set<String> skip, long dflt) {
        if (f.has(name)) return f.duration(name).orElseThrow().toSeconds();
        String alias = aliasOf(name);
        if (alias != null && !skip.contains(alias) && f.has(alias)) return f.duration(alias).orElseThrow().toSeconds();
        return dflt;
    }

    private static long num(Fields f, String name, Set<String> skip, long dflt) {
        if (f.has(name)) return f.integer(name).orElseThrow();
        String alias = aliasOf(name);
        if (alias != null && !skip.contains(alias) && f.has(alias)) return f.integer(alias).orElseThrow();
        return dflt;
    }

    private static String aliasOf(String name) {
        for (Map.Entry<String, String> e : ALIASES.entrySet()) if (e.getValue().equals(name)) return e.getKey();
        return null;
    }

    private static List<String> sanitize(List<String> in) {
        TreeSet<String> out = new TreeSet<>();
        for (String p : in) {
            String s = p.strip().toLowerCase(Locale.ROOT);
            if (!s.isEmpty()) out.add(s);
        }
        return new ArrayList<>(out);
    }

    /** Vault's read shape of the token fields. */
    public Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token_bound_cidrs", boundCidrs);
        m.put("token_explicit_max_ttl", explicitMaxTtl);
        m.put("token_max_ttl", maxTtl);
        m.put("token_no_default_policy", noDefaultPolicy);
        m.put("token_num_uses", numUses);
        m.put("token_period", period);
        m.put("token_policies", policies);
        m.put("token_ttl", ttl);
        m.put("token_type", tokenType);
        return m;
    }

    public Map<String, Object> toStored() {
        Map<String, Object> m = toWire();
        return m;
    }

    @SuppressWarnings("unchecked")
    public static TokenParams fromStored(Map<String, Object> m) {
        return new TokenParams(strings(m.get("token_policies")), n(m, "token_ttl"), n(m, "token_max_ttl"), n(m, "token_explicit_max_ttl"),
                n(m, "token_period"), n(m, "token_num_uses"), Boolean.TRUE.equals(m.get("token_no_default_policy")),
                strings(m.get("token_bound_cidrs")), m.get("token_type") instanceof String s ? s : "default");
    }

    static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) for (Object x : l) out.add(String.valueOf(x));
        return out;
    }

    private static long n(Map<String, Object> m, String k) {
        return m.get(k) instanceof Number num ? num.longValue() : 0L;
    }

    /** The effective hard cap: the smaller non-zero of token_max_ttl and token_explicit_max_ttl (0 = none). */
    public long effectiveMaxTtl() {
        if (maxTtl == 0) return explicitMaxTtl;
        if (explicitMaxTtl == 0) return maxTtl;
        return Math.min(maxTtl, explicitMaxTtl);
    }

    /** The login spec for a token with these parameters. */
    public DefaultAuthService.LoginSpec loginSpec(String mountPath, Map<String, String> metadata, String displayName, String alias) {
        return new DefaultAuthService.LoginSpec(mountPath, policies, Duration.ofSeconds(ttl), Duration.ofSeconds(maxTtl),
                Duration.ofSeconds(period), numUses, metadata, displayName, alias, true, noDefaultPolicy, boundCidrs, Duration.ofSeconds(explicitMaxTtl));
    }
}
