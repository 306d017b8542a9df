package dev.keyhaven.core.auth;

import dev.keyhaven.core.logical.KeyhavenException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/**
 * Parses durations the way Vault's {@code parseutil.ParseDurationSecond} does: an integer number of seconds (JSON
 * number or numeric string), or a Go duration string ({@code "1h"}, {@code "1h30m"}, {@code "1.5h"}, {@code "90s"},
 * {@code "500ms"}) with Vault's extra {@code d} (days) unit. Results are truncated to whole seconds.
 * Errors are 400s that name the field but never echo more than a short, printable form of the value.
 */
public final class Durations {
    /** Upper bound to keep arithmetic far from overflow: 100 years. */
    public static final long MAX_SECONDS = 100L * 366 * 24 * 3600;

    private Durations() {}

    /** Parses {@code value} for field {@code field}; null or empty string means zero. May be negative ("-1h"). */
    public static Duration parse(String field, Object value) {
        if (value == null) return Duration.ZERO;
        if (value instanceof Boolean || value instanceof java.util.Collection || value instanceof java.util.Map) {
            throw KeyhavenException.badRequest("invalid duration for '" + field + "': expected a number of seconds or a duration string like \"1h\"");
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return checked(field, ((Number) value).longValue());
        }
        if (value instanceof BigInteger bi) {
            if (bi.bitLength() > 62) throw tooLarge(field);
            return checked(field, bi.longValue());
        }
        if (value instanceof BigDecimal || value instanceof Double || value instanceof Float) {
            BigDecimal bd = value instanceof BigDecimal b ? b : BigDecimal.valueOf(((Number) value).doubleValue());
            if (bd.abs().compareTo(BigDecimal.valueOf(MAX_SECONDS)) > 0) throw tooLarge(field);
            return checked(field, bd.longValue());
        }
        if (!(value instanceof String s)) {
            throw KeyhavenException.badRequest("invalid duration for '" + field + "': unsupported type");
        }
        return parseString(field, s.strip());
    }

    private static Duration parseString(String field, String s) {
        if (s.isEmpty()) return Duration.ZERO;
        if (s.length() > 64) throw invalid(field, "value too long");
        // Plain integer: seconds.
        if (s.matches("[+-]?[0-9]+")) {
            try {
                return checked(field, Long.parseLong(s.startsWith("+") ? s.substring(1) : s));
            } catch (NumberFormatException e) {
                throw tooLarge(field);
            }
        }
        int i = 0;
        boolean neg = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            neg = s.charAt(0) == '-';
            i++;
        }
        if (i == s.length()) throw invalid(field, "missing number");
        BigDecimal totalNanos = BigDecimal.ZERO;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
            String num = s.substring(start, i);
            if (num.isEmpty() || num.equals(".") || num.indexOf('.') != num.lastIndexOf('.')) throw invalid(field, "expected a number");
            int ustart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') i++;
            String unit = s.substring(ustart, i);
            long nanosPerUnit = switch (unit) {
                case "ns" -> 1L;
                case "us", "µs", "μs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "d" -> 86_400_000_000_000L;
                case "" -> throw invalid(field, "missing unit (use s, m, h or d)");
                default -> throw invalid(field, "unknown unit (use s, m, h or d)");
            };
            totalNanos = totalNanos.add(new BigDecimal(num).multiply(BigDecimal.valueOf(nanosPerUnit)));
            if (totalNanos.compareTo(BigDecimal.valueOf(MAX_SECONDS).multiply(BigDecimal.valueOf(1_000_000_000L))) > 0) throw tooLarge(field);
        }
        long seconds = totalNanos.divide(BigDecimal.valueOf(1_000_000_000L), java.math.RoundingMode.DOWN).longValue();
        return Duration.ofSeconds(neg ? -seconds : seconds);
    }

    /** Parses and requires a non-negative result (Vault: "ttl must be positive"). */
    public static Duration parseNonNegative(String field, Object value) {
        Duration d = parse(field, value);
        if (d.isNegative()) throw KeyhavenException.badRequest(field + " must be positive");
        return d;
    }

    private static Duration checked(String field, long seconds) {
        if (Math.abs(seconds) > MAX_SECONDS) throw tooLarge(field);
        return Duration.ofSeconds(seconds);
    }

    private static KeyhavenException invalid(String field, String why) {
        return KeyhavenException.badRequest("invalid duration for '" + field + "': " + why
                + "; expected seconds (\"3600\") or a duration like \"1h\", \"30m\", \"90s\", \"7d\"");
    }

    private static KeyhavenException tooLarge(String field) {
        return KeyhavenException.badRequest("invalid duration for '" + field + "': larger than 100 years");
    }
}
