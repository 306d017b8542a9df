package dev.keyhaven.core.engine.kv;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Optional;

/**
 * Durations the way Vault's {@code TypeDurationSecond} fields accept and render them: an integer number of seconds
 * (JSON number or numeric string), or a Go duration string ({@code 3h25m19s}, {@code 1.5h}, {@code 90m}, plus a
 * {@code d} suffix for days as Vault's parseutil accepts), truncated to whole seconds; rendered like Go's
 * {@code time.Duration.String()} ({@code 0s}, {@code 45s}, {@code 1m0s}, {@code 3h25m19s}).
 */
final class GoDuration {
    /** Larger durations are rejected: 100 years is beyond any sensible version lifetime. */
    static final long MAX_SECONDS = 100L * 366 * 24 * 3600;

    private GoDuration() {}

    /** Seconds, or empty when the value is not a duration. Signs are kept; callers decide on negatives. */
    static Optional<Long> parseSeconds(Object raw) {
        if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
            return bounded(((Number) raw).longValue());
        }
        if (raw instanceof BigInteger b) {
            return b.bitLength() < 63 ? bounded(b.longValue()) : Optional.empty();
        }
        if (raw instanceof BigDecimal d) {
            return bounded(d.setScale(0, java.math.RoundingMode.DOWN).longValue(), d.abs().compareTo(BigDecimal.valueOf(MAX_SECONDS)) <= 0);
        }
        if (raw instanceof Double || raw instanceof Float) {
            double v = ((Number) raw).doubleValue();
            return Double.isFinite(v) ? bounded((long) v, Math.abs(v) <= MAX_SECONDS) : Optional.empty();
        }
        if (!(raw instanceof String s)) return Optional.empty();
        s = s.trim();
        if (s.isEmpty()) return Optional.of(0L);
        if (s.matches("[-+]?[0-9]{1,18}")) return bounded(Long.parseLong(s));
        return parseGo(s);
    }

    private static Optional<Long> bounded(long v) {
        return bounded(v, true);
    }

    private static Optional<Long> bounded(long v, boolean ok) {
        return ok && Math.abs(v) <= MAX_SECONDS ? Optional.of(v) : Optional.empty();
    }

    /** Go's time.ParseDuration (plus days), truncated to seconds. */
    private static Optional<Long> parseGo(String s) {
        int i = 0;
        boolean neg = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            neg = s.charAt(0) == '-';
            i++;
        }
        if (s.substring(i).equals("0")) return Optional.of(0L);
        if (i >= s.length()) return Optional.empty();
        BigDecimal totalNanos = BigDecimal.ZERO;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
            String num = s.substring(start, i);
            if (num.isEmpty() || num.equals(".") || num.indexOf('.') != num.lastIndexOf('.')) return Optional.empty();
            int ustart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') i++;
            String unit = s.substring(ustart, i).toLowerCase(Locale.ROOT);
            long unitNanos = switch (unit) {
                case "ns" -> 1L;
                case "us", "\u00b5s", "\u03bcs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "d" -> 86_400_000_000_000L;
                default -> -1L;
            };
            if (unitNanos < 0) return Optional.empty();
            totalNanos = totalNanos.add(new BigDecimal(num).multiply(BigDecimal.valueOf(unitNanos)));
            if (totalNanos.compareTo(BigDecimal.valueOf(MAX_SECONDS).multiply(BigDecimal.valueOf(1_000_000_000L))) > 0) {
                return Optional.empty();
            }
        }
        long seconds = totalNanos.divideToIntegralValue(BigDecimal.valueOf(1_000_000_000L)).longValue();
        return Optional.of(neg ? -seconds : seconds);
    }

    /** Go's Duration.String() for a whole number of seconds. */
    static String format(long seconds) {
        if (seconds == 0) return "0s";
        StringBuilder sb = new StringBuilder();
        long s = seconds;
        if (s < 0) {
            sb.append('-');
            s = -s;
        }
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) sb.append(h).append('h').append(m).append('m');
        else if (m > 0) sb.append(m).append('m');
        return sb.append(sec).append('s').toString();
    }
}
