package dev.keyhaven.cli;

import dev.keyhaven.scanner.Finding;
import dev.keyhaven.scanner.ScanRunner;
import dev.keyhaven.scanner.Scanner;
import dev.keyhaven.scanner.baseline.Baseline;
import dev.keyhaven.scanner.config.ScanConfig;
import dev.keyhaven.scanner.git.Git;
import dev.keyhaven.scanner.report.Format;
import dev.keyhaven.scanner.report.Report;
import dev.keyhaven.scanner.walk.GitIgnore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code keyhaven scan}: the leak scanner. */
@Command(name = "scan", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Scan files, stdin, staged changes, a commit range or the full git history for leaked secrets.",
            "Secrets are shown redacted (ghp_…Ab12) unless --show-secrets is given.",
            "Config: .keyhaven/scan.toml (allowlists, disabledRules, custom rules) and .gitleaks.toml are read from the repository root."},
        footer = {
            "",
            "Examples:",
            "  keyhaven scan                          scan the current directory (respects .gitignore)",
            "  keyhaven scan --staged                 scan what is about to be committed (pre-commit)",
            "  keyhaven scan --history --format sarif --output keyhaven.sarif",
            "  keyhaven scan --since origin/main      scan commits not yet on origin/main",
            "  cat app.env | keyhaven scan -          scan stdin",
            "  keyhaven scan --baseline-create .keyhaven/baseline.json   then:  keyhaven scan --baseline .keyhaven/baseline.json",
            "",
            "Exit codes: 0 no findings, 1 findings, 2 usage or I/O error."})
public final class ScanCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "PATH|RANGE", arity = "0..*",
            description = "Files or directories to scan (default: .), '-' for stdin, or a commit range A..B.")
    List<String> targets = new ArrayList<>();

    @Option(names = "--staged", description = "Scan the staged changes (index vs HEAD), for pre-commit hooks.")
    boolean staged;

    @Option(names = "--since", paramLabel = "REV", description = "Scan the commits in REV..HEAD.")
    String since;

    @Option(names = "--history", description = "Scan every blob reachable from all refs; findings name the commit that introduced them.")
    boolean history;

    @Option(names = "--no-ignore", description = "Scan files ignored by .gitignore too.")
    boolean noIgnore;

    @Option(names = "--max-size", paramLabel = "SIZE", defaultValue = "5MB",
            description = "Skip files/blobs larger than this (e.g. 500KB, 5MB, 1GB; default ${DEFAULT-VALUE}).")
    String maxSize;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", description = "text, json or sarif (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the report to FILE instead of stdout.")
    Path output;

    @Option(names = "--baseline", paramLabel = "FILE", description = "Report only findings not recorded in this baseline.")
    Path baseline;

    @Option(names = "--baseline-create", paramLabel = "FILE", description = "Record the current findings (by fingerprint, never the secret) in FILE.")
    Path baselineCreate;

    @Option(names = "--baseline-update", description = "With --baseline: rewrite it with the current findings, keeping reviewed decisions.")
    boolean baselineUpdate;

    @Option(names = "--baseline-import", paramLabel = "FILE",
            description = "Migrate a detect-secrets .secrets.baseline into a Keyhaven baseline (written to --baseline-create FILE, or .keyhaven/baseline.json).")
    Path baselineImport;

    @Option(names = "--report-placeholders", description = "Also list placeholders (CHANGEME, your_api_key_here, ${VAR} …) as their own class; they then count as findings.")
    boolean reportPlaceholders;

    @Option(names = "--show-secrets", description = "Print raw secret values (never use in CI logs).")
    boolean showSecrets;

    @Option(names = "--install-hook", description = "Install a git pre-commit hook that runs 'keyhaven scan --staged'.")
    boolean installHook;

    @Option(names = "--config", paramLabel = "FILE", description = "Use this config instead of .keyhaven/scan.toml.")
    Path config;

    @Option(names = "--threads", paramLabel = "N", description = "Scanner threads (default: number of processors).")
    Integer threads;

    /** Unknown options are reported by us in one line (picocli would print the whole usage). */
    @CommandLine.Unmatched
    List<String> unmatched = new ArrayList<>();

    static final String HOOK_MARKER = "# keyhaven pre-commit hook";

    private static final class UsageError extends Exception {
        UsageError(String m) {
            super(m);
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(err);
        } catch (UsageError e) {
            err.println("keyhaven scan: " + e.getMessage() + " (see 'keyhaven scan --help')");
            return 2;
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            String m = e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
            err.println("keyhaven scan: error: " + (m == null ? e.getClass().getSimpleName() : m));
            return 2;
        } catch (RuntimeException e) {
            // never a stack trace, and never exit 1 (that means "findings")
            err.println("keyhaven scan: internal error: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            return 2;
        } finally {
            err.flush();
        }
    }

    private int run(PrintWriter err) throws UsageError, IOException {
        Path cwd = Path.of("").toAbsolutePath();
        if (!unmatched.isEmpty()) {
            throw new UsageError("unknown option '" + unmatched.get(0) + "'");
        }
        if (installHook) {
            return installHook(cwd, err);
        }
        Format fmt = parseFormat(format);
        long limit = parseSize(maxSize);
        List<String> paths = new ArrayList<>();
        String range = null;
        boolean stdin = false;
        for (String t : targets) {
            if (t.equals("-")) {
                stdin = true;
            } else if (t.contains("..") && !Files.exists(Path.of(t))) {
                if (range != null) {
                    throw new UsageError("only one commit range can be given");
                }
                range = t;
            } else {
                paths.add(t);
            }
        }
        int modes = (staged ? 1 : 0) + (history ? 1 : 0) + (since != null || range != null ? 1 : 0) + (stdin ? 1 : 0);
        if (modes > 1 || (since != null && range != null)) {
            throw new UsageError("choose one of --staged, --history, --since/RANGE, or '-' (stdin)");
        }
        if (modes == 1 && !paths.isEmpty() && !stdin) {
            if (paths.size() > 1 || !Files.isDirectory(Path.of(paths.get(0)))) {
                throw new UsageError("with --staged, --history or a range, PATH may only be the repository directory");
            }
        }
        if (stdin && !paths.isEmpty()) {
            throw new UsageError("'-' (stdin) cannot be combined with paths");
        }
        if (baselineUpdate && baseline == null) {
            throw new UsageError("--baseline-update needs --baseline FILE");
        }
        if (baselineCreate != null && baseline != null && baselineImport == null) {
            throw new UsageError("use either --baseline-create or --baseline");
        }
        if (threads != null && threads < 1) {
            throw new UsageError("--threads must be at least 1");
        }
        boolean gitMode = staged || history || since != null || range != null;
        Path repoDir = gitMode && !paths.isEmpty() ? Path.of(paths.get(0)).toAbsolutePath() : cwd;
        if (gitMode && !Git.isWorkTree(repoDir)) {
            throw new IOException("not inside a git work tree: " + repoDir);
        }
        Path configRoot = configRoot(gitMode, paths, repoDir, cwd);
        ScanConfig cfg = ScanConfig.load(configRoot, Optional.ofNullable(config));
        cfg.warnings().forEach(w -> err.println("keyhaven scan: warning: " + w));
        Scanner scanner = new Scanner(cfg.ruleSet(), new Scanner.Options(reportPlaceholders));
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ScanRunner.Progress progress = StderrProgress.forStderr(gitMode && !staged ? "blobs" : "files");
        ScanRunner.Result result;
        try (ScanRunner runner = new ScanRunner(scanner, limit, nThreads, progress)) {
            if (stdin) {
                result = runner.scanBytes("<stdin>", System.in.readAllBytes());
            } else if (staged) {
                result = runner.scanStaged(repoDir);
            } else if (history) {
                result = runner.scanHistory(repoDir, List.of("--all"));
            } else if (since != null || range != null) {
                String rev = range != null ? range : since + "..HEAD";
                if (rev.startsWith("-")) {
                    throw new UsageError("invalid revision range");
                }
                result = runner.scanHistory(repoDir, List.of(rev));
            } else {
                List<Path> roots = new ArrayList<>();
                for (String p : paths.isEmpty() ? List.of(".") : paths) {
                    roots.add(Path.of(p));
                }
                result = runner.scanPaths(roots, cwd, !noIgnore);
            }
        }
        List<Finding> findings = result.findings();
        if (baselineImport != null) {
            Baseline.Import imp = Baseline.importDetectSecrets(baselineImport, findings);
            Path target = baselineCreate != null ? baselineCreate : baseline != null ? baseline : configRoot.resolve(".keyhaven/baseline.json");
            imp.baseline().write(target);
            err.println("keyhaven scan: imported " + imp.matched() + " of " + imp.entriesInFile() + " detect-secrets entries into "
                    + target + (imp.entriesInFile() > imp.matched() ? " (" + (imp.entriesInFile() - imp.matched())
                    + " no longer match a finding or are not detected by Keyhaven)" : ""));
            return 0;
        }
        if (baselineCreate != null) {
            Baseline.of(findings).write(baselineCreate);
            err.println("keyhaven scan: wrote baseline with " + findings.size() + " finding(s) to " + baselineCreate);
            return 0;
        }
        int suppressed = 0;
        if (baseline != null) {
            if (!Files.isRegularFile(baseline)) {
                throw new IOException("baseline file not found: " + baseline);
            }
            Baseline b = Baseline.read(baseline);
            List<Finding> fresh = b.newFindings(findings);
            suppressed = findings.size() - fresh.size();
            if (baselineUpdate) {
                b.updatedWith(findings).write(baseline);
                err.println("keyhaven scan: updated " + baseline + " (" + fresh.size() + " new, reviewed decisions kept)");
            }
            findings = fresh;
        }
        Report report = new Report(findings, result.summary(), cfg.ruleSet(), suppressed, showSecrets, version());
        if (output != null) {
            Path abs = output.toAbsolutePath();
            if (abs.getParent() != null) {
                Files.createDirectories(abs.getParent());
            }
            try (Writer w = Files.newBufferedWriter(abs, StandardCharsets.UTF_8)) {
                fmt.write(report, w, false);
            }
            if (fmt != Format.TEXT) {
                dev.keyhaven.scanner.report.TextReporter.writeSummary(report, err);
            }
        } else {
            Writer w = spec.commandLine().getOut();
            fmt.write(report, w, fmt == Format.TEXT && StderrProgress.stdoutIsTerminal());
        }
        if (baselineUpdate) {
            return 0;
        }
        return findings.isEmpty() ? 0 : 1;
    }

    private static Path configRoot(boolean gitMode, List<String> paths, Path repoDir, Path cwd) {
        Path start = gitMode ? repoDir : paths.isEmpty() ? cwd : Path.of(paths.get(0)).toAbsolutePath();
        Optional<Path> wt = GitIgnore.findWorkTreeRoot(start);
        if (wt.isPresent()) {
            return wt.get();
        }
        return Files.isDirectory(start) ? start : Optional.ofNullable(start.getParent()).orElse(cwd);
    }

    static Format parseFormat(String s) throws UsageError {
        try {
            return Format.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageError("unknown --format '" + s + "' (use text, json or sarif)");
        }
    }

    private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+(?:\\.\\d+)?)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\\s*");

    static long parseSize(String s) throws UsageError {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new UsageError("invalid --max-size '" + s + "' (e.g. 500KB, 5MB, 1GB)");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit.charAt(0)) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            case 'g' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        double bytes = v * mult;
        if (bytes < 1 || bytes > Integer.MAX_VALUE - 64) {
            throw new UsageError("--max-size must be between 1 byte and 2GB");
        }
        return (long) bytes;
    }

    private int installHook(Path cwd, PrintWriter err) throws IOException, UsageError {
        Path dir = targets.isEmpty() ? cwd : Path.of(targets.get(0)).toAbsolutePath();
        if (!Git.isWorkTree(dir)) {
            throw new UsageError("--install-hook must run inside a git work tree");
        }
        Git git = new Git(dir);
        String hooksRel = git.runText("rev-parse", "--git-path", "hooks").trim();
        Path hooks = Path.of(hooksRel).isAbsolute() ? Path.of(hooksRel) : dir.resolve(hooksRel).normalize();
        Files.createDirectories(hooks);
        Path hook = hooks.resolve("pre-commit");
        if (Files.exists(hook) && !Files.readString(hook).contains(HOOK_MARKER)) {
            throw new UsageError("a pre-commit hook already exists at " + hook
                    + "; add 'keyhaven scan --staged' to it, or remove it and run --install-hook again");
        }
        String jar = selfJar().map(p -> "java -jar '" + p.toString().replace("'", "'\\''") + "'").orElse("");
        String script = "#!/bin/sh\n" + HOOK_MARKER + " (installed by 'keyhaven scan --install-hook')\n"
                + "# Blocks commits that add secrets. Bypass once with: git commit --no-verify\n"
                + "if command -v keyhaven >/dev/null 2>&1; then\n"
                + "  exec keyhaven scan --staged\n"
                + "fi\n"
                + (jar.isEmpty() ? "echo 'keyhaven not found on PATH; install it to enable secret scanning' >&2\nexit 1\n"
                        : "exec " + jar + " scan --staged\n");
        Files.writeString(hook, script, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            hook.toFile().setExecutable(true);
        }
        err.println("keyhaven scan: installed pre-commit hook at " + hook);
        return 0;
    }

    private static Optional<Path> selfJar() {
        try {
            var src = ScanCommand.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return Optional.empty();
            }
            Path p = Path.of(src.getLocation().toURI());
            return p.toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
        } catch (java.net.URISyntaxException | SecurityException e) {
            return Optional.empty();
        }
    }

    static String version() {
        String v = ScanCommand.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-dev" : v;
    }

    /** Progress on stderr (items, MB, MB/s), redrawn at most 5 times a second; silent unless stderr is a terminal. */
    static final class StderrProgress implements ScanRunner.Progress {
        private final String unit;
        private final long start = System.nanoTime();
        private final java.util.concurrent.atomic.AtomicLong lastDraw = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean drawn;

        private StderrProgress(String unit) {
            this.unit = unit;
        }

        static ScanRunner.Progress forStderr(String unit) {
            return isTerminal(2) ? new StderrProgress(unit) : ScanRunner.Progress.NONE;
        }

        static boolean stdoutIsTerminal() {
            return isTerminal(1) && System.getenv("NO_COLOR") == null;
        }

        /** Linux: /proc/self/fd/N points at a tty or pts device when that stream is a terminal. */
        static boolean isTerminal(int fd) {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return fd != 2 && System.console() != null;
            }
        }

        @Override
        public void update(long items, long bytes) {
            long now = System.nanoTime();
            long last = lastDraw.get();
            if (now - last < 200_000_000L || !lastDraw.compareAndSet(last, now)) {
                return;
            }
            double secs = Math.max(1e-3, (now - start) / 1e9);
            drawn = true;
            System.err.printf(Locale.ROOT, "\r  %,d %s  %.1f MB  %.1f MB/s   ", items, unit, bytes / 1e6, bytes / 1e6 / secs);
            System.err.flush();
        }

        @Override
        public void finish() {
            if (drawn) {
                System.err.print("\r\033[K");
                System.err.flush();
            }
        }
    }
}
