package dev.keyhaven.cli;

import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Doctor;
import dev.keyhaven.doctor.DoctorException;
import dev.keyhaven.doctor.DoctorOptions;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.RepoLoader;
import dev.keyhaven.doctor.Report;
import dev.keyhaven.doctor.Severity;
import dev.keyhaven.doctor.fix.Fixer;
import dev.keyhaven.doctor.online.GitHubApi;
import dev.keyhaven.doctor.online.OnlineChecks;
import dev.keyhaven.doctor.report.JsonReporter;
import dev.keyhaven.doctor.report.SarifReporter;
import dev.keyhaven.doctor.report.TextReporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check a repository checkout for secret-handling and CI hygiene problems (offline; --online adds the GitHub settings).",
        footer = {"", "Examples:", "  keyhaven doctor . --fail-on high", "  keyhaven doctor --format sarif > doctor.sarif",
            "  keyhaven doctor --fix --dry-run   # show the safe fixes as a diff, write nothing",
            "  GITHUB_TOKEN=... keyhaven doctor --online   # also read repository settings from the GitHub API", "", "Exit codes:",
            "  0   no finding at or above --fail-on",
            "  11  highest finding over the threshold is low, 12 medium, 13 high, 14 critical",
            "  1   error (unreadable repository, bad config)",
            "  2   usage error (unknown option or check id, bad --format/--fail-on)",
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

    @Option(names = "--online", description = "also read the repository's settings from the GitHub API (default workflow permissions, "
            + "secret scanning, branch protection, environments); token from GITHUB_TOKEN or GH_TOKEN, API from GITHUB_API_URL")
    boolean online;

    @Option(names = "--repo", paramLabel = "OWNER/REPO", description = "with --online: the GitHub repository (default: from the origin remote)")
    String repo;

    /** Unknown options are reported by us in one line (picocli would print the whole usage). */
    @CommandLine.Unmatched
    List<String> unmatched = new ArrayList<>();

    /** A usage problem: one line on stderr, exit 2. */
    private static final class UsageError extends Exception {
        UsageError(String m) { super(m); }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(spec.commandLine().getOut(), err);
        } catch (UsageError e) {
            err.println("keyhaven doctor: " + e.getMessage() + " (see 'keyhaven doctor --help')");
            return 2;
        } catch (DoctorException e) {
            err.println("keyhaven doctor: error: " + e.getMessage());
            return 1;
        } catch (IOException | UncheckedIOException e) {
            String m = e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
            err.println("keyhaven doctor: error: " + (m == null ? e.getClass().getSimpleName() : m));
            return 1;
        } catch (RuntimeException e) {
            // never a stack trace, never a 1x exit code (those mean findings); the message names no file content
            err.println("keyhaven doctor: internal error: " + e.getClass().getSimpleName());
            return 1;
        } finally {
            err.flush();
        }
    }

    private int run(PrintWriter out, PrintWriter err) throws UsageError, IOException {
        if (!unmatched.isEmpty()) {
            String u = unmatched.get(0);
            throw new UsageError(u.startsWith("-") ? "unknown option '" + u + "'" : "only one DIR can be given (unexpected '" + u + "')");
        }
        Doctor doctor = new Doctor();
        if (list) {
            for (Check c : doctor.catalogue()) {
                out.printf("%s  %-36s %-8s %s%s%s%n", c.id(), c.slug(), c.defaultSeverity().label(), c.title(), c.fixable() ? " [--fix]" : "",
                        c.baseline().osps().isEmpty() ? "" : "  (" + String.join(", ", c.baseline().osps()) + ")");
            }
            out.flush();
            return 0;
        }
        if (!Set.of("text", "json", "sarif").contains(format)) throw new UsageError("unknown --format '" + format + "' (use text, json or sarif)");
        if (dryRun && !fix) throw new UsageError("--dry-run only makes sense with --fix");
        Severity threshold;
        try {
            threshold = Severity.parse(failOn);
        } catch (DoctorException e) {
            threshold = Severity.INFO;
        }
        if (threshold == Severity.INFO) throw new UsageError("unknown --fail-on '" + failOn + "' (use critical, high, medium or low)");
        DoctorOptions opts = new DoctorOptions(new LinkedHashSet<>(only), new LinkedHashSet<>(skip), LocalDate.now());
        List<Check> checks;
        try {
            checks = doctor.selected(opts);
        } catch (DoctorException e) {
            throw new UsageError(e.getMessage());
        }
        if (repo != null && !online) throw new UsageError("--repo only makes sense with --online");
        if (repo != null && !OnlineChecks.isSlug(repo)) throw new UsageError("--repo must be OWNER/REPO, got '" + OnlineChecks.printable(repo) + "'");
        long t0 = System.nanoTime();
        RepoContext ctx = RepoLoader.load(dir, opts.today());
        List<Finding> settings = List.of();
        if (online) {
            String slug = repo != null ? repo : originSlug(dir).orElseThrow(() -> new UsageError(
                    "--online needs --repo OWNER/REPO (no github.com 'origin' remote found)"));
            java.util.Set<String> ids = new java.util.HashSet<>();
            for (Check c : checks) ids.add(c.id());
            settings = new OnlineChecks(GitHubApi.fromEnvironment(System.getenv()), slug).run(ids);
        }
        Report report = doctor.run(ctx, checks, t0, settings);
        if (fix) {
            List<Fixer.Edit> edits = Fixer.plan(ctx, report);
            // with json/sarif, stdout stays one parseable document: the diff goes to stderr
            PrintWriter sink = format.equals("text") ? out : err;
            if (edits.isEmpty()) sink.println("nothing to fix mechanically");
            for (Fixer.Edit e : edits) sink.print(e.diff());
            if (dryRun && !edits.isEmpty()) sink.println("dry run: " + edits.size() + " file change(s) shown, nothing written");
            sink.flush();
            if (!dryRun && !edits.isEmpty()) {
                Fixer.apply(ctx.root(), edits);
                sink.println("applied " + edits.size() + " file change(s); re-checking");
                sink.flush();
                ctx = RepoLoader.load(dir, opts.today());
                report = doctor.run(ctx, checks, System.nanoTime(), settings);
            }
        }
        switch (format) {
            case "json" -> JsonReporter.write(report, out);
            case "sarif" -> SarifReporter.write(report, out);
            default -> TextReporter.write(report, out);
        }
        return report.exitCode(threshold);
    }

    /** OWNER/REPO of the checkout's github.com {@code origin} remote, if it has one. */
    static java.util.Optional<String> originSlug(Path dir) {
        try {
            Process p = new ProcessBuilder("git", "-C", dir.toString(), "remote", "get-url", "origin").redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String url = new String(p.getInputStream().readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) return java.util.Optional.empty();
            return OnlineChecks.slugOfRemote(url);
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }
}
