package dev.keyhaven.cli;

import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Doctor;
import dev.keyhaven.doctor.DoctorException;
import dev.keyhaven.doctor.DoctorOptions;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.RepoLoader;
import dev.keyhaven.doctor.Report;
import dev.keyhaven.doctor.Severity;
import dev.keyhaven.doctor.fix.Fixer;
import dev.keyhaven.doctor.report.JsonReporter;
import dev.keyhaven.doctor.report.SarifReporter;
import dev.keyhaven.doctor.report.TextReporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check a repository checkout for secret-handling and CI hygiene problems (offline).",
        footer = {"", "Exit codes:",
            "  0   no finding at or above --fail-on",
            "  11  highest finding over the threshold is low, 12 medium, 13 high, 14 critical",
            "  1   error (unreadable repository, bad config)",
            "  2   usage error",
            "Suppress inline with '# keyhaven: ignore[KH201] reason: ... until: 2027-01-01' or in .keyhaven/doctor.toml;",
            "a suppression without a reason, or past its date, does not apply. See docs/doctor.md."})
public final class DoctorCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "repository root (default: current directory)")
    Path dir = Path.of(".");

    @Option(names = "--format", paramLabel = "text|json|sarif", description = "output format (default: text)")
    String format = "text";

    @Option(names = "--fail-on", paramLabel = "critical|high|medium|low", description = "lowest severity that fails the run (default: high)")
    String failOn = "high";

    @Option(names = "--only", split = ",", paramLabel = "ID", description = "run only these checks (ids or slugs)")
    List<String> only = List.of();

    @Option(names = "--skip", split = ",", paramLabel = "ID", description = "skip these checks (ids or slugs)")
    List<String> skip = List.of();

    @Option(names = "--fix", description = "apply the safe mechanical fixes after printing the diff")
    boolean fix;

    @Option(names = "--dry-run", description = "with --fix: print the diff only, write nothing")
    boolean dryRun;

    @Option(names = "--list", description = "list the checks and exit")
    boolean list;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Doctor doctor = new Doctor();
        if (list) {
            for (Check c : doctor.catalogue()) {
                out.printf("%s  %-36s %-8s %s%s%n", c.id(), c.slug(), c.defaultSeverity().label(), c.title(), c.fixable() ? " [--fix]" : "");
            }
            out.flush();
            return 0;
        }
        if (!Set.of("text", "json", "sarif").contains(format)) throw usage("--format must be text, json or sarif");
        if (dryRun && !fix) throw usage("--dry-run only makes sense with --fix");
        Severity threshold;
        try {
            threshold = Severity.parse(failOn);
        } catch (DoctorException e) {
            throw usage("--fail-on: " + e.getMessage());
        }
        if (threshold == Severity.INFO) throw usage("--fail-on must be critical, high, medium or low");
        DoctorOptions opts = new DoctorOptions(new LinkedHashSet<>(only), new LinkedHashSet<>(skip), LocalDate.now());
        List<Check> checks;
        try {
            checks = doctor.selected(opts);
        } catch (DoctorException e) {
            throw usage(e.getMessage());
        }
        try {
            long t0 = System.nanoTime();
            RepoContext ctx = RepoLoader.load(dir, opts.today());
            Report report = doctor.run(ctx, checks, t0);
            if (fix) {
                List<Fixer.Edit> edits = Fixer.plan(ctx, report);
                PrintWriter sink = format.equals("text") ? out : err;
                if (edits.isEmpty()) sink.println("nothing to fix mechanically");
                for (Fixer.Edit e : edits) sink.print(e.diff());
                sink.flush();
                if (!dryRun && !edits.isEmpty()) {
                    Fixer.apply(ctx.root(), edits);
                    sink.println("applied " + edits.size() + " file change(s); re-checking");
                    sink.flush();
                    ctx = RepoLoader.load(dir, opts.today());
                    report = doctor.run(ctx, checks, System.nanoTime());
                }
            }
            switch (format) {
                case "json" -> JsonReporter.write(report, out);
                case "sarif" -> SarifReporter.write(report, out);
                default -> TextReporter.write(report, out);
            }
            return report.exitCode(threshold);
        } catch (DoctorException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    private CommandLine.ParameterException usage(String msg) {
        return new CommandLine.ParameterException(spec.commandLine(), msg);
    }
}
