package dev.keyhaven.doctor;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of a doctor run: the checks that ran, the findings that count, the findings a valid suppression
 * removed, and a score (percentage of checks without an unsuppressed finding at low or above).
 */
public record Report(String root, List<Check> checks, List<Finding> findings, List<Suppressed> suppressed, long elapsedMillis) {
    public record Suppressed(Finding finding, String reason, Location declaredAt) {}

    public List<Finding> findingsOf(Check c) {
        return findings.stream().filter(f -> f.checkId().equals(c.id())).toList();
    }

    /** A check passes when it has no finding above info. */
    public boolean passed(Check c) {
        return findingsOf(c).stream().noneMatch(f -> f.severity().atLeast(Severity.LOW));
    }

    public int score() {
        if (checks.isEmpty()) return 100;
        long ok = checks.stream().filter(this::passed).count();
        return (int) Math.round(100.0 * ok / checks.size());
    }

    public Optional<Severity> highest() {
        return findings.stream().map(Finding::severity).max((a, b) -> Integer.compare(a.rank(), b.rank()));
    }

    /**
     * Exit code: 0 when no finding reaches {@code failOn}; otherwise 10 + rank of the highest severity
     * (11 low, 12 medium, 13 high, 14 critical). 1–3 are reserved for errors (2 = usage).
     */
    public int exitCode(Severity failOn) {
        Optional<Severity> h = findings.stream().map(Finding::severity).filter(s -> s.atLeast(failOn))
                .max((a, b) -> Integer.compare(a.rank(), b.rank()));
        return h.map(s -> 10 + s.rank()).orElse(0);
    }
}
