package dev.keyhaven.core.auth;

import dev.keyhaven.core.logical.KeyhavenException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, validating access to request fields with Vault's weak decoding (a boolean may come as {@code "true"}, a
 * list as a comma-separated string, a number as a numeric string). Wrong types are 400s naming the field; values
 * are never echoed (they may be secrets).
 */
public final class Fields {
    /** Longest accepted string field (names, display names, metadata values). */
    public static final int MAX_STRING = 4096;
    /** Most elements in a list field. */
    public static final int MAX_LIST = 256;

    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._@:=+-]+");

    private final Map<String, Object> data;
    private final Set<String> known;

    public Fields(Map<String, Object> data, Set<String> known) {
        this.data = data;
        this.known = known;
    }

    /** Vault's warning for fields the endpoint does not use, or empty. */
    public Optional<String> unknownFieldsWarning() {
        Set<String> unknown = new TreeSet<>();
        for (String k : data.keySet()) if (!known.contains(k)) unknown.add(printable(k));
        if (unknown.isEmpty()) return Optional.empty();
        return Optional.of("Endpoint ignored these unrecognized parameters: " + unknown);
    }

    public boolean has(String name) {
        return data.containsKey(name) && data.get(name) != null;
    }

    public Optional<String> string(String name) {
        Object v = data.get(name);
        if (v == null) return Optional.empty();
        String s;
        if (v instanceof String str) s = str;
        else if (v instanceof Number || v instanceof Boolean) s = v.toString();
        else throw wrongType(name, "a string");
        if (s.length() > MAX_STRING) throw KeyhavenException.badRequest("field '" + name + "' is too long (maximum " + MAX_STRING + " characters)");
        return Optional.of(s);
    }

    public String string(String name, String dflt) {
        return string(name).orElse(dflt);
    }

    public Optional<Boolean> bool(String name) {
        Object v = data.get(name);
        if (v == null) return Optional.empty();
        if (v instanceof Boolean b) return Optional.of(b);
        if (v instanceof String s) {
            switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "true", "1", "t": return Optional.of(true);
                case "false", "0", "f", "": return Optional.of(false);
                default: throw wrongType(name, "a boolean");
            }
        }
        if (v instanceof Number n && (n.longValue() == 0 || n.longValue() == 1) && isIntegral(n)) return Optional.of(n.longValue() == 1);
        throw wrongType(name, "a boolean");
    }

    public boolean bool(String name, boolean dflt) {
        return bool(name).orElse(dflt);
    }

    public Optional<Long> integer(String name) {
        Object v = data.get(name);
        if (v == null) return Optional.empty();
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return Optional.of(((Number) v).longValue());
        if (v instanceof BigInteger bi) {
            if (bi.bitLength() > 62) throw KeyhavenException.badRequest("field '" + name + "' is out of range");
            return Optional.of(bi.longValue());
        }
        if (v instanceof BigDecimal bd) {
            try {
                return Optional.of(bd.longValueExact());
            } catch (ArithmeticException e) {
                throw wrongType(name, "an integer");
            }
        }
        if (v instanceof String s) {
            String t = s.strip();
            if (t.isEmpty()) return Optional.of(0L);
            try {
                return Optional.of(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw wrongType(name, "an integer");
            }
        }
        throw wrongType(name, "an integer");
    }

    public long integer(String name, long dflt) {
        return integer(name).orElse(dflt);
    }

    public Optional<Duration> duration(String name) {
        if (!has(name)) return Optional.empty();
        return Optional.of(Durations.parseNonNegative(name, data.get(name)));
    }

    /** A list of strings: a JSON array of strings, or a comma-separated string. Elements are trimmed; empties dropped. */
    public Optional<List<String>> stringList(String name) {
        Object v = data.get(name);
        if (v == null) return Optional.empty();
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            for (String part : s.split(",", -1)) if (!part.isBlank()) out.add(part.strip());
        } else if (v instanceof Collection<?> c) {
            for (Object o : c) {
                if (!(o instanceof String s)) throw wrongType(name, "a list of strings");
                if (!s.isBlank()) out.add(s.strip());
            }
        } else {
            throw wrongType(name, "a list of strings");
        }
        if (out.size() > MAX_LIST) throw KeyhavenException.badRequest("field '" + name + "' has too many elements (maximum " + MAX_LIST + ")");
        for (String s : out) if (s.length() > MAX_STRING) throw KeyhavenException.badRequest("an element of field '" + name + "' is too long");
        return Optional.of(out);
    }

    /** A map of string to string (e.g. token metadata). */
    public Optional<Map<String, String>> stringMap(String name) {
        Object v = data.get(name);
        if (v == null) return Optional.empty();
        if (!(v instanceof Map<?, ?> m)) throw wrongType(name, "an object of string values");
        if (m.size() > MAX_LIST) throw KeyhavenException.badRequest("field '" + name + "' has too many keys (maximum " + MAX_LIST + ")");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k) || !(e.getValue() instanceof String val)) throw wrongType(name, "an object of string values");
            if (k.length() > 256 || val.length() > MAX_STRING) throw KeyhavenException.badRequest("a key or value of field '" + name + "' is too long");
            out.put(k, val);
        }
        return Optional.of(out);
    }

    private static boolean isIntegral(Number n) {
        return !(n instanceof BigDecimal bd) || bd.stripTrailingZeros().scale() <= 0;
    }

    private static KeyhavenException wrongType(String name, String expected) {
        return KeyhavenException.badRequest("invalid value for field '" + name + "': expected " + expected);
    }

    private static String printable(String k) {
        String s = k.length() > 64 ? k.substring(0, 64) + "…" : k;
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        return sb.toString();
    }

    /**
     * Validates a name used as one path segment (policy, role): 1..128 characters, no '/', no control characters,
     * not '.' or '..'. Returns the name.
     */
    public static String segmentName(String kind, String name) {
        if (name == null || name.isEmpty()) throw KeyhavenException.badRequest(kind + " name cannot be empty");
        if (name.length() > 128) throw KeyhavenException.badRequest(kind + " name is too long (maximum 128 characters)");
        if (name.equals(".") || name.equals("..")) throw KeyhavenException.badRequest(kind + " name cannot be '.' or '..'");
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) throw KeyhavenException.badRequest(kind + " name cannot contain '/' or '\\'");
        if (!NAME.matcher(name).matches())
            throw KeyhavenException.badRequest(kind + " name contains an invalid character (allowed: letters, digits, '-', '_', '.', '@', ':', '=', '+')");
        return name;
    }
}
