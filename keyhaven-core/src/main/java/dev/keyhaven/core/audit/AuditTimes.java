package dev.keyhaven.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the time arguments of query and prune: durations ({@code 90d}, {@code 1h}, {@code 30m}, {@code 2w}) or RFC 3339 instants. */
public final class AuditTimes {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(s|m|h|d|w)");

    private AuditTimes() {}

    public static Duration duration(String s) {
        Matcher m = DURATION.matcher(s == null ? "" : s.trim());
        if (!m.matches()) throw new IllegalArgumentException("invalid duration \"" + s + "\": use a number followed by s, m, h, d or w (e.g. 90d)");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }

    /** A duration ago (relative to {@code now}) or an absolute RFC 3339 time. */
    public static Instant instant(String s, Instant now) {
        String t = s == null ? "" : s.trim();
        if (DURATION.matcher(t).matches()) return now.minus(duration(t));
        try {
            return java.time.OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("invalid time \"" + s + "\": use a duration such as 1h or 90d, or an RFC 3339 time");
        }
    }

    /** The entry's {@code time}, or null if missing or malformed. */
    static Instant entryTime(AuditVerifier.Parsed p) {
        try {
            return p.time().isEmpty() ? null : Instant.parse(p.time());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
