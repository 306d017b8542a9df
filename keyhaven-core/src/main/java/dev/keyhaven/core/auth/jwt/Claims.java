package dev.keyhaven.core.auth.jwt;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** Claim lookup and matching with Vault's semantics (JSON Pointer keys, any-of lists, {@code *} globs). */
final class Claims {
    private Claims() {}

    /** A claim by name, or by JSON Pointer when the name starts with '/'. Null when absent. */
    static Object get(Map<String, Object> claims, String name) {
        if (!name.startsWith("/")) return claims.get(name);
        Object cur = claims;
        for (String raw : name.substring(1).split("/", -1)) {
            String seg = raw.replace("~1", "/").replace("~0", "~");
            if (cur instanceof Map<?, ?> m) {
                cur = m.get(seg);
            } else if (cur instanceof List<?> l && seg.matches("0|[1-9][0-9]{0,8}")) {
                int i = Integer.parseInt(seg);
                cur = i < l.size() ? l.get(i) : null;
            } else {
                return null;
            }
            if (cur == null) return null;
        }
        return cur;
    }

    /** Whether any expected value matches any actual value. Actual maps never match. */
    static boolean matchAny(List<Object> expected, Object actual, boolean glob) {
        List<Object> acts = JwtRole.asList(actual);
        for (Object e : expected) {
            for (Object a : acts) {
                if (glob) {
                    if (e instanceof String es && a instanceof String as && glob(es, as)) return true;
                } else if (scalarEquals(e, a)) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean scalarEquals(Object expected, Object actual) {
        if (expected instanceof String e) return actual instanceof String a && e.equals(a);
        if (expected instanceof Boolean e) return actual instanceof Boolean a && e.equals(a);
        if (expected instanceof Number e && actual instanceof Number a) {
            return new BigDecimal(e.toString()).compareTo(new BigDecimal(a.toString())) == 0;
        }
        return false;
    }

    /** Whether the value is a string, number, boolean or a list (what bound claims can be compared with). */
    static boolean comparable(Object v) {
        return v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof List<?>;
    }

    /** {@code *} matches any run of characters, including '/' and ':' (ryanuber/go-glob, as Vault). */
    static boolean glob(String pattern, String s) {
        return dev.keyhaven.core.util.Glob.matches(pattern, s);
    }

    /** A scalar claim as metadata text; null for lists, maps and null. */
    static String text(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Boolean b) return b.toString();
        if (v instanceof Number n) return new BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
        return null;
    }
}
