package dev.keyhaven.scanner.report;

import dev.keyhaven.scanner.Finding;
import dev.keyhaven.scanner.ScanRunner;
import dev.keyhaven.scanner.Severity;
import java.io.IOException;
import java.io.Writer;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** For people: {@code path:line:column  rule  severity  redacted-secret}, commit details for history findings, a summary. */
public final class TextReporter {
    private TextReporter() {
    }

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    static void write(Report r, Writer out, boolean color) throws IOException {
        List<Finding> secrets = r.secrets();
        List<Finding> placeholders = r.placeholders();
        for (Finding f : secrets) {
            line(r, out, f, color);
        }
        if (!placeholders.isEmpty()) {
            out.write((secrets.isEmpty() ? "" : "\n") + "Placeholders (not secrets, but deployable config must not ship them):\n");
            for (Finding f : placeholders) {
                line(r, out, f, color);
            }
        }
        if (!secrets.isEmpty() || !placeholders.isEmpty()) {
            out.write("\n");
        }
        writeSummary(r, out);
    }

    /** Only the closing summary (counts, throughput, skipped files). */
    public static void writeSummary(Report r, Writer out) throws IOException {
        List<Finding> secrets = r.secrets();
        List<Finding> placeholders = r.placeholders();
        ScanRunner.Summary s = r.summary();
        StringBuilder sb = new StringBuilder();
        if (secrets.isEmpty()) {
            sb.append("No secrets found");
        } else {
            Map<Severity, Integer> bySev = new EnumMap<>(Severity.class);
            secrets.forEach(f -> bySev.merge(f.severity(), 1, Integer::sum));
            sb.append(secrets.size()).append(secrets.size() == 1 ? " secret" : " secrets").append(" found (");
            StringBuilder parts = new StringBuilder();
            bySev.forEach((k, v) -> parts.append(parts.length() == 0 ? "" : ", ").append(v).append(' ').append(k.lower()));
            sb.append(parts).append(')');
        }
        if (!placeholders.isEmpty()) {
            sb.append(", ").append(placeholders.size()).append(placeholders.size() == 1 ? " placeholder" : " placeholders");
        }
        if (r.suppressedByBaseline() > 0) {
            sb.append(", ").append(r.suppressedByBaseline()).append(" known (in baseline)");
        }
        sb.append(String.format(Locale.ROOT, " — scanned %d %s", s.items(), s.commits() > 0 ? "blobs" : (s.items() == 1 ? "file" : "files")));
        if (s.commits() > 0) {
            sb.append(" from ").append(s.commits()).append(s.commits() == 1 ? " commit" : " commits");
        }
        sb.append(String.format(Locale.ROOT, ", %.1f MB in %.2fs (%.1f MB/s)", s.bytes() / 1e6, s.elapsed().toMillis() / 1000.0,
                s.megabytesPerSecond()));
        if (s.skippedTotal() > 0) {
            sb.append("; skipped ");
            StringBuilder parts = new StringBuilder();
            if (s.skippedBinary() > 0) {
                parts.append(s.skippedBinary()).append(" binary");
            }
            if (s.skippedTooLarge() > 0) {
                parts.append(parts.length() == 0 ? "" : ", ").append(s.skippedTooLarge()).append(" over the size limit");
            }
            if (s.skippedUnreadable() > 0) {
                parts.append(parts.length() == 0 ? "" : ", ").append(s.skippedUnreadable()).append(" unreadable");
            }
            sb.append(parts);
        }
        out.write(sb.append('\n').toString());
        List<ScanRunner.Skip> large = s.skipped().stream().filter(k -> k.reason() != dev.keyhaven.scanner.walk.FileWalker.SkipReason.BINARY).toList();
        for (ScanRunner.Skip k : large.subList(0, Math.min(large.size(), 10))) {
            out.write("  skipped (" + k.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ') + "): " + k.path() + "\n");
        }
    }

    private static void line(Report r, Writer out, Finding f, boolean color) throws IOException {
        String sev = f.kind() == Finding.Kind.PLACEHOLDER ? "placeholder" : f.severity().lower();
        String sevC = color ? colorize(f, sev) : sev;
        out.write(f.path() + ":" + f.line() + ":" + f.column() + "  " + f.ruleId() + "  " + sevC + "  " + r.secretOf(f) + "\n");
        out.write("    " + f.description() + "\n");
        if (f.commit().isPresent()) {
            var c = f.commit().get();
            out.write("    commit " + c.shortSha() + "  " + c.author() + " <" + c.email() + ">  " + DATE.format(c.date()) + " UTC  "
                    + truncate(c.message(), 72) + "\n");
        }
    }

    private static String colorize(Finding f, String s) {
        String code = f.kind() == Finding.Kind.PLACEHOLDER ? "36" : switch (f.severity()) {
            case CRITICAL -> "1;31";
            case HIGH -> "31";
            case MEDIUM -> "33";
            case LOW -> "34";
        };
        return "\u001b[" + code + "m" + s + "\u001b[0m";
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
