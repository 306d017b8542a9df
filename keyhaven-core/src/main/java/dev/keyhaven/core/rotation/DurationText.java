package dev.keyhaven.core.rotation;

import java.time.Duration;

/** Human durations for the calendar and policies: {@code 90d}, {@code 24h}, {@code 1h30m}, {@code 0s}. */
final class DurationText {
    private DurationText() {}

    static String format(Duration d) {
        long s = d.getSeconds();
        if (s == 0) return "0s";
        StringBuilder sb = new StringBuilder();
        if (s < 0) {
            sb.append('-');
            s = -s;
        }
        long days = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
        if (days > 0) sb.append(days).append('d');
        if (h > 0) sb.append(h).append('h');
        if (m > 0) sb.append(m).append('m');
        if (sec > 0) sb.append(sec).append('s');
        return sb.toString();
    }
}
