package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.logical.KeyhavenException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed access to request fields with Vault's framework coercions (a number may arrive as a JSON string, a bool as
 * "true"): a field of the wrong type is a 400 naming the field, never a 500. Values are never echoed back.
 */
final class Fields {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h|d)");

    private final Map<String, Object> data;

    Fields(Map<String, Object> data) {
        this.data = data;
    }

    boolean has(String name) {
        return data.containsKey(name) && data.get(name) != null;
    }

    Object raw(String name) {
        return data.get(name);
    }

    String string(String name, String dflt) {
        Object v = data.get(name);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        throw KeyhavenException.badRequest("field " + name + " must be a string");
    }

    Optional<String> string(String name) {
        return Optional.ofNullable(string(name, null));
    }

    int integer(String name, int dflt) {
        Object v = data.get(name);
        if (v == null) return dflt;
        return toInt(name, v);
    }

    static int toInt(String name, Object v) {
        try {
            if (v instanceof Number n) return new BigDecimal(n.toString()).intValueExact();
            if (v instanceof String s) return s.isBlank() ? 0 : Integer.parseInt(s.trim());
        } catch (ArithmeticException | NumberFormatException e) {
            // fall through
        }
        throw KeyhavenException.badRequest("field " + name + " must be an integer");
    }

    boolean bool(String name, boolean dflt) {
        Object v = data.get(name);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        if (v instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true", "1", "t" -> { return true; }
                case "false", "0", "f", "" -> { return false; }
                default -> { }
            }
        }
        if (v instanceof Number n && (n.intValue() == 0 || n.intValue() == 1)) return n.intValue() == 1;
        throw KeyhavenException.badRequest("field " + name + " must be a boolean");
    }

    /** Seconds from a number, a numeric string, or a Go-style duration ("1h30m", "24h", "90s", "7d"). */
    long durationSeconds(String name, long dflt) {
        Object v = data.get(name);
        if (v == null) return dflt;
        return parseDuration(name, v);
    }

    static long parseDuration(String name, Object v) {
        if (v instanceof Number n) return n.longValue();
        if (v instanceof String s) {
            String t = s.trim();
            if (t.isEmpty()) return 0;
            if (t.matches("\\d+")) return Long.parseLong(t);
            Matcher m = DURATION_PART.matcher(t);
            double total = 0;
            int pos = 0;
            while (m.find() && m.start() == pos) {
                double x = Double.parseDouble(m.group(1));
                total += switch (m.group(2)) {
                    case "ns" -> x / 1e9;
                    case "us", "µs" -> x / 1e6;
                    case "ms" -> x / 1e3;
                    case "s" -> x;
                    case "m" -> x * 60;
                    case "h" -> x * 3600;
                    default -> x * 86400;
                };
                pos = m.end();
            }
            if (pos == t.length()) return (long) total;
        }
        throw KeyhavenException.badRequest("field " + name + " must be a duration (seconds, or like \"24h\")");
    }

    @SuppressWarnings("unchecked")
    Optional<Map<String, Object>> object(String name) {
        Object v = data.get(name);
        if (v == null) return Optional.empty();
        if (v instanceof Map<?, ?> m) return Optional.of((Map<String, Object>) m);
        throw KeyhavenException.badRequest("field " + name + " must be a JSON object");
    }

    /** batch_input: a list of objects; absent = empty. */
    @SuppressWarnings("unchecked")
    Optional<List<Map<String, Object>>> batch() {
        Object v = data.get("batch_input");
        if (v == null) return Optional.empty();
        if (!(v instanceof List<?> l)) throw KeyhavenException.badRequest("failed to parse batch input: batch_input must be a list of objects");
        for (Object o : l) if (!(o instanceof Map)) throw KeyhavenException.badRequest("failed to parse batch input: every batch_input item must be an object");
        if (l.isEmpty()) throw KeyhavenException.badRequest("missing batch input to process");
        return Optional.of((List<Map<String, Object>>) v);
    }
}
