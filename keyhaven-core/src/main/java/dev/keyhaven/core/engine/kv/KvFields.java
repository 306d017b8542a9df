package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.logical.KeyhavenException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Typed reads of request fields with Vault's lenient-but-safe conversions (numbers may arrive as JSON numbers or as
 * query-string text, booleans as {@code true}/{@code "true"}). Every failure is a 400 naming the field and the expected
 * type; no message ever echoes the offending value, which may be a secret.
 */
final class KvFields {
    private KvFields() {}

    static KeyhavenException invalid(String field, String expected) {
        return KeyhavenException.badRequest("invalid value for field \"" + field + "\": expected " + expected);
    }

    /** An integer field (JSON integer, integral decimal or decimal text). */
    static Optional<Long> optionalLong(Map<String, Object> data, String field) {
        if (!data.containsKey(field) || data.get(field) == null) return Optional.empty();
        return Optional.of(toLong(data.get(field)).orElseThrow(() -> invalid(field, "an integer")));
    }

    static Optional<Long> toLong(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return Optional.of(((Number) v).longValue());
        }
        if (v instanceof BigInteger b) return b.bitLength() < 63 ? Optional.of(b.longValue()) : Optional.empty();
        if (v instanceof BigDecimal d) {
            try {
                return Optional.of(d.longValueExact());
            } catch (ArithmeticException e) {
                return Optional.empty();
            }
        }
        if (v instanceof Double || v instanceof Float) {
            double x = ((Number) v).doubleValue();
            return x == Math.rint(x) && Math.abs(x) < 9.0e15 ? Optional.of((long) x) : Optional.empty();
        }
        if (v instanceof String s) {
            String t = s.trim();
            if (t.matches("[-+]?[0-9]{1,18}")) return Optional.of(Long.parseLong(t));
        }
        return Optional.empty();
    }

    static Optional<Boolean> optionalBool(Map<String, Object> data, String field) {
        if (!data.containsKey(field) || data.get(field) == null) return Optional.empty();
        Object v = data.get(field);
        if (v instanceof Boolean b) return Optional.of(b);
        if (v instanceof String s) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true", "1", "t" -> {
                    return Optional.of(true);
                }
                case "false", "0", "f" -> {
                    return Optional.of(false);
                }
                default -> throw invalid(field, "a boolean");
            }
        }
        if (v instanceof Number n && (n.intValue() == 0 || n.intValue() == 1) && toLong(n).isPresent()) {
            return Optional.of(n.intValue() == 1);
        }
        throw invalid(field, "a boolean");
    }

    /** A JSON object field; empty when absent or null. */
    @SuppressWarnings("unchecked")
    static Optional<Map<String, Object>> optionalMap(Map<String, Object> data, String field) {
        if (!data.containsKey(field) || data.get(field) == null) return Optional.empty();
        Object v = data.get(field);
        if (v instanceof Map<?, ?> m) return Optional.of((Map<String, Object>) m);
        throw invalid(field, "a JSON object");
    }

    /** A duration field in seconds (see {@link GoDuration}). */
    static Optional<Long> optionalDuration(Map<String, Object> data, String field) {
        if (!data.containsKey(field) || data.get(field) == null) return Optional.empty();
        return Optional.of(GoDuration.parseSeconds(data.get(field))
                .orElseThrow(() -> invalid(field, "a duration such as \"3h25m19s\" or a number of seconds")));
    }

    /**
     * Vault's {@code TypeCommaIntSlice}: a JSON array of integers, a single integer, or comma-separated text. Every
     * element must be a positive integer.
     */
    static List<Long> versions(Map<String, Object> data, String field) {
        Object v = data.get(field);
        List<Object> items = new ArrayList<>();
        if (v == null) return List.of();
        if (v instanceof List<?> l) {
            items.addAll(l);
        } else if (v instanceof String s) {
            if (s.isBlank()) return List.of();
            for (String part : s.split(",")) items.add(part.trim());
        } else {
            items.add(v);
        }
        List<Long> out = new ArrayList<>(items.size());
        for (Object item : items) {
            long n = toLong(item).orElseThrow(() -> invalid(field, "a list of version numbers"));
            if (n < 1) throw invalid(field, "a list of positive version numbers");
            out.add(n);
        }
        if (out.size() > 10_000) throw KeyhavenException.badRequest("too many versions in one request (at most 10000)");
        return out;
    }
}
