package dev.keyhaven.core.auth.policy;

import dev.keyhaven.core.logical.Operation;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A set of policies compiled for evaluation: exact paths in a hash map, {@code *} prefixes in a hash map probed
 * from the longest candidate prefix down, {@code +} patterns pre-split into segments. Evaluation never re-parses.
 *
 * <p>Semantics follow Vault's {@code vault/acl.go}:
 * <ul>
 *   <li>Stanzas for the same path (across and within policies) merge: capabilities are unioned, except that a
 *       {@code deny} at that path replaces everything.</li>
 *   <li>An exact match wins. Otherwise the candidates are the longest matching {@code *} prefix and every matching
 *       {@code +} pattern; the highest priority one wins, where P1 is lower than P2 if: the first {@code +} or
 *       {@code *} occurs earlier in P1; P1 ends in {@code *} and P2 does not; P1 has more {@code +} segments; P1
 *       is shorter; P1 sorts first lexically.</li>
 *   <li>LIST requests (paths ending in {@code /}) also match rules written without the trailing slash.</li>
 *   <li>No matching rule means deny.</li>
 * </ul>
 */
public final class Acl {
    /** The result of a check. {@code sudo} says whether the matched rule grants sudo. */
    public record Decision(boolean allowed, boolean sudo, int capabilities, boolean root) {
        static final Decision DENIED = new Decision(false, false, 0, false);
    }

    private static final Acl ROOT = new Acl(true, Map.of(), Map.of(), new int[0], List.of());

    private final boolean root;
    private final Map<String, Permissions> exact;
    private final Map<String, Permissions> prefixes;
    private final int[] prefixLengths; // distinct prefix lengths, descending
    private final List<SegmentRule> segmentRules;

    private Acl(boolean root, Map<String, Permissions> exact, Map<String, Permissions> prefixes, int[] prefixLengths, List<SegmentRule> segmentRules) {
        this.root = root;
        this.exact = exact;
        this.prefixes = prefixes;
        this.prefixLengths = prefixLengths;
        this.segmentRules = segmentRules;
    }

    public static Acl root() {
        return ROOT;
    }

    /** Compiles the policies; a policy named {@code root} makes the whole ACL root. */
    public static Acl compile(Collection<Policy> policies) {
        for (Policy p : policies) if (p.name().equals("root")) return ROOT;
        Map<String, Permissions> exact = new HashMap<>();
        Map<String, Permissions> prefixes = new HashMap<>();
        Map<String, Permissions> segment = new LinkedHashMap<>();
        for (Policy p : policies) {
            for (PathRules r : p.paths()) {
                Map<String, Permissions> tree;
                String key;
                if (r.hasSegmentWildcards()) {
                    tree = segment;
                    key = r.path();
                } else if (r.isPrefix()) {
                    tree = prefixes;
                    key = r.base();
                } else {
                    tree = exact;
                    key = r.path();
                }
                Permissions existing = tree.get(key);
                if (existing == null) tree.put(key, Permissions.of(r));
                else existing.merge(r);
            }
        }
        TreeSet<Integer> lengths = new TreeSet<>();
        for (String k : prefixes.keySet()) lengths.add(k.length());
        int[] lens = lengths.descendingSet().stream().mapToInt(Integer::intValue).toArray();
        List<SegmentRule> seg = new ArrayList<>();
        for (Map.Entry<String, Permissions> e : segment.entrySet()) seg.add(SegmentRule.of(e.getKey(), e.getValue()));
        return new Acl(false, exact, prefixes, lens, seg);
    }

    public boolean isRoot() {
        return root;
    }

    /**
     * Whether {@code op} on {@code path} is allowed; {@code needed} is the capability bit required (e.g. update for
     * a write to an existing key). {@code data} is checked against parameter constraints for read/create/update/patch.
     */
    public Decision check(Operation op, int needed, String path, Map<String, Object> data) {
        if (root) return new Decision(true, true, 0, true);
        Permissions perms = match(path, op == Operation.LIST);
        if (perms == null) return Decision.DENIED;
        int caps = perms.capabilities;
        if ((caps & Capability.DENY.bit()) != 0) return new Decision(false, false, caps, false);
        boolean sudo = (caps & Capability.SUDO.bit()) != 0;
        if ((caps & needed) != needed) return new Decision(false, sudo, caps, false);
        if (op == Operation.READ || op == Operation.CREATE || op == Operation.UPDATE || op == Operation.PATCH) {
            if (!perms.parametersAllowed(data)) return new Decision(false, sudo, caps, false);
        }
        return new Decision(true, sudo, caps, false);
    }

    /** The capability names on {@code path}, as sys/capabilities reports them (["root"], ["deny"], or sorted names). */
    public List<String> capabilities(String path) {
        if (root) return List.of("root");
        Permissions perms = match(path, true);
        int caps = perms == null ? 0 : perms.capabilities;
        if (caps == 0 || (caps & Capability.DENY.bit()) != 0) return List.of("deny");
        return Capability.names(caps);
    }

    /**
     * Vault's {@code hasMountAccess}: whether any rule grants a capability (other than deny) on a path inside the
     * mount, or a glob covers the whole mount. Used by the KV preflight {@code sys/internal/ui/mounts/:path}, which
     * least-privilege tokens must be able to call.
     */
    public boolean hasMountAccess(String mountPath) {
        if (root) return true;
        for (Map.Entry<String, Permissions> e : exact.entrySet()) {
            if (e.getKey().startsWith(mountPath) && grants(e.getValue())) return true;
        }
        for (Map.Entry<String, Permissions> e : prefixes.entrySet()) {
            String base = e.getKey();
            if ((base.startsWith(mountPath) || mountPath.startsWith(base)) && grants(e.getValue())) return true;
        }
        String[] mountParts = mountPath.split("/", -1);
        for (SegmentRule r : segmentRules) {
            if (!grants(r.perms)) continue;
            boolean ok = true;
            for (int i = 0; i < mountParts.length - 1 && i < r.segments.length; i++) {
                String seg = r.segments[i];
                boolean last = i == r.segments.length - 1;
                if (seg.equals("+") || seg.equals(mountParts[i]) || (last && r.prefix && mountParts[i].startsWith(seg))) continue;
                ok = false;
                break;
            }
            if (ok) return true;
        }
        return false;
    }

    private static boolean grants(Permissions p) {
        return p.capabilities != 0 && (p.capabilities & Capability.DENY.bit()) == 0;
    }

    private Permissions match(String path, boolean list) {
        Permissions p = exact.get(path);
        if (p != null) return p;
        String trimmed = list && path.endsWith("/") ? path.substring(0, path.length() - 1) : null;
        if (trimmed != null) {
            p = exact.get(trimmed);
            if (p != null) return p;
        }
        p = nonExact(path);
        if (p == null && trimmed != null) p = nonExact(trimmed);
        return p;
    }

    private Permissions nonExact(String path) {
        Candidate best = null;
        for (int len : prefixLengths) {
            if (len > path.length()) continue;
            Permissions p = prefixes.get(path.substring(0, len));
            if (p != null) {
                best = new Candidate(len, true, 0, path.substring(0, len), p);
                break;
            }
        }
        if (segmentRules.isEmpty()) return best == null ? null : best.perms;
        String[] parts = path.split("/", -1);
        for (SegmentRule r : segmentRules) {
            if (!r.matches(parts)) continue;
            Candidate c = new Candidate(r.firstWildcard, r.prefix, r.wildcards, r.base, r.perms);
            if (best == null || c.higherThan(best)) best = c;
        }
        return best == null ? null : best.perms;
    }

    private record Candidate(int firstWildcard, boolean prefix, int wildcards, String base, Permissions perms) {
        /** Vault's priority order (acl.go CheckAllowedFromNonExactPaths). */
        boolean higherThan(Candidate o) {
            if (firstWildcard != o.firstWildcard) return firstWildcard > o.firstWildcard;
            if (prefix != o.prefix) return !prefix;
            if (wildcards != o.wildcards) return wildcards < o.wildcards;
            if (base.length() != o.base.length()) return base.length() > o.base.length();
            return base.compareTo(o.base) > 0;
        }
    }

    private record SegmentRule(String base, boolean prefix, String[] segments, int wildcards, int firstWildcard, Permissions perms) {
        static SegmentRule of(String pattern, Permissions perms) {
            boolean prefix = pattern.endsWith("*");
            String base = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
            String[] segs = base.split("/", -1);
            int wc = 0;
            for (String s : segs) if (s.equals("+")) wc++;
            return new SegmentRule(base, prefix, segs, wc, pattern.indexOf('+'), perms);
        }

        boolean matches(String[] parts) {
            if (parts.length < segments.length) return false;
            if (!prefix && parts.length != segments.length) return false;
            for (int i = 0; i < segments.length; i++) {
                String s = segments[i];
                if (s.equals("+") || s.equals(parts[i])) continue;
                if (prefix && i == segments.length - 1 && parts[i].startsWith(s)) continue;
                return false;
            }
            return true;
        }
    }

    /** Merged permissions for one path key. Mutable only during compilation. */
    static final class Permissions {
        int capabilities;
        Map<String, List<Object>> allowed; // null = unrestricted
        Map<String, List<Object>> denied;  // null = none
        List<String> required = new ArrayList<>();

        static Permissions of(PathRules r) {
            Permissions p = new Permissions();
            p.capabilities = r.capabilities();
            p.allowed = r.allowedParameters() == null ? null : new LinkedHashMap<>(r.allowedParameters());
            p.denied = r.deniedParameters() == null ? null : new LinkedHashMap<>(r.deniedParameters());
            p.required = new ArrayList<>(r.requiredParameters());
            return p;
        }

        /** Vault's NewACL merge of a second stanza for the same path. */
        void merge(PathRules r) {
            if ((capabilities & Capability.DENY.bit()) != 0) return;
            if ((r.capabilities() & Capability.DENY.bit()) != 0) {
                capabilities = Capability.DENY.bit();
                allowed = null;
                denied = null;
                required = new ArrayList<>();
                return;
            }
            capabilities |= r.capabilities();
            allowed = mergeParams(allowed, r.allowedParameters(), true);
            denied = mergeParams(denied, r.deniedParameters(), false);
            for (String q : r.requiredParameters()) if (!required.contains(q)) required.add(q);
        }

        /**
         * Allowed parameters: a side without restrictions makes the result unrestricted (grants are unions).
         * Denied parameters: the union of both sides' denials.
         */
        private static Map<String, List<Object>> mergeParams(Map<String, List<Object>> mine, Map<String, List<Object>> theirs, boolean allowedKind) {
            if (allowedKind && (mine == null || theirs == null)) return null;
            if (mine == null) return theirs == null ? null : new LinkedHashMap<>(theirs);
            if (theirs == null) return mine;
            Map<String, List<Object>> out = new LinkedHashMap<>(mine);
            for (Map.Entry<String, List<Object>> e : theirs.entrySet()) {
                List<Object> prev = out.get(e.getKey());
                if (prev == null) {
                    out.put(e.getKey(), e.getValue());
                } else if (prev.isEmpty() || e.getValue().isEmpty()) {
                    out.put(e.getKey(), List.of());
                } else {
                    List<Object> merged = new ArrayList<>(prev);
                    merged.addAll(e.getValue());
                    out.put(e.getKey(), merged);
                }
            }
            return out;
        }

        boolean parametersAllowed(Map<String, Object> data) {
            for (String q : required) if (!data.containsKey(q)) return false;
            if (data.isEmpty()) return true;
            if (denied != null && !denied.isEmpty()) {
                if (denied.containsKey("*")) return false;
                for (Map.Entry<String, Object> e : data.entrySet()) {
                    List<Object> values = denied.get(e.getKey().toLowerCase(Locale.ROOT));
                    if (values != null && anyIn(e.getValue(), values)) return false;
                }
            }
            if (allowed == null || allowed.isEmpty()) return true;
            boolean allowAll = allowed.containsKey("*");
            if (allowAll && allowed.size() == 1) return true;
            for (Map.Entry<String, Object> e : data.entrySet()) {
                List<Object> values = allowed.get(e.getKey().toLowerCase(Locale.ROOT));
                if (values == null) {
                    if (!allowAll) return false;
                    continue;
                }
                if (!allIn(e.getValue(), values)) return false;
            }
            return true;
        }

        /** For denials: any element of a list value (or the value itself) in the list; an empty list matches anything. */
        private static boolean anyIn(Object value, List<Object> list) {
            if (list.isEmpty()) return true;
            if (value instanceof List<?> l) {
                for (Object o : l) if (inList(o, list)) return true;
                return inList(value, list);
            }
            return inList(value, list);
        }

        /** For grants: every element of a list value (or the value itself) in the list; an empty list matches anything. */
        private static boolean allIn(Object value, List<Object> list) {
            if (list.isEmpty()) return true;
            if (inList(value, list)) return true;
            if (value instanceof List<?> l && !l.isEmpty()) {
                for (Object o : l) if (!inList(o, list)) return false;
                return true;
            }
            return false;
        }

        private static boolean inList(Object value, List<Object> list) {
            for (Object el : list) {
                if (el instanceof String pattern && value instanceof String s) {
                    if (globMatch(pattern, s)) return true;
                } else if (deepEquals(el, value)) {
                    return true;
                }
            }
            return false;
        }

        /** Vault's GlobbedStringsMatch: "*" matches all; leading/trailing '*' mean suffix/prefix/contains. */
        static boolean globMatch(String pattern, String s) {
            if (pattern.equals("*")) return true;
            boolean lead = pattern.startsWith("*"), trail = pattern.endsWith("*") && pattern.length() > 1;
            String core = pattern.substring(lead ? 1 : 0, pattern.length() - (trail ? 1 : 0));
            if (lead && trail) return s.contains(core);
            if (lead) return s.endsWith(core);
            if (trail) return s.startsWith(core);
            return s.equals(pattern);
        }

        private static boolean deepEquals(Object a, Object b) {
            if (a == null || b == null) return a == b;
            if (a instanceof Number x && b instanceof Number y) return toBig(x).compareTo(toBig(y)) == 0;
            if (a instanceof List<?> x && b instanceof List<?> y) {
                if (x.size() != y.size()) return false;
                for (int i = 0; i < x.size(); i++) if (!deepEquals(x.get(i), y.get(i))) return false;
                return true;
            }
            if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
                if (!x.keySet().equals(y.keySet())) return false;
                for (Object k : x.keySet()) if (!deepEquals(x.get(k), y.get(k))) return false;
                return true;
            }
            return a.equals(b);
        }

        private static BigDecimal toBig(Number n) {
            return n instanceof BigDecimal bd ? bd : new BigDecimal(n.toString());
        }
    }
}
