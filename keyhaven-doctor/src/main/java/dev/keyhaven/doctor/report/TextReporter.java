package dev.keyhaven.doctor.report;

import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Family;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Report;
import dev.keyhaven.doctor.Severity;
import java.io.PrintWriter;
import java.util.List;

/** The readable checklist: grouped by family, ✓/✗ per check, each finding with location, why and fix, then a score. */
public final class TextReporter {
    private TextReporter() {}

    public static void write(Report r, PrintWriter out) {
        out.println("keyhaven doctor — " + r.root());
        for (Family fam : Family.values()) {
            List<Check> cs = r.checks().stream().filter(c -> c.family() == fam).toList();
            if (cs.isEmpty()) continue;
            out.println();
            out.println(fam.title());
            for (Check c : cs) {
                List<Finding> fs = r.findingsOf(c);
                boolean ok = r.passed(c);
                out.println("  " + (ok ? "✓" : "✗") + " " + c.id() + " " + c.slug() + (ok ? "" : "  [" + worst(fs).label() + "]"));
                if (fs.isEmpty()) continue;
                for (Finding f : fs) {
                    out.println("      " + f.severity().label() + "  " + f.location() + "  " + f.message());
                }
                if (!ok) {
                    out.println("      why: " + c.why());
                    out.println("      fix: " + c.fix() + (c.fixable() ? " (keyhaven doctor --fix)" : ""));
                }
            }
        }
        out.println();
        long passed = r.checks().stream().filter(r::passed).count();
        out.println("Score: " + r.score() + "/100 — " + passed + " of " + r.checks().size() + " checks pass; "
                + r.findings().size() + " finding(s), " + r.suppressed().size() + " suppressed; " + r.elapsedMillis() + " ms");
        out.flush();
    }

    static Severity worst(List<Finding> fs) {
        Severity w = Severity.INFO;
        for (Finding f : fs) if (f.severity().rank() > w.rank()) w = f.severity();
        return w;
    }
}
