package dev.keyhaven.bench.scan;

import dev.keyhaven.scanner.ScanRunner;
import dev.keyhaven.scanner.Scanner;
import dev.keyhaven.scanner.rules.RuleSet;
import dev.keyhaven.scanner.rules.Validator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Scanner benchmark. Run (from the repository root):
 * <pre>
 * ./mvnw -q -pl keyhaven-bench -am package -DskipTests
 * java -cp "keyhaven-bench/target/keyhaven-bench-0.1.0-SNAPSHOT.jar:keyhaven-cli/target/keyhaven.jar" dev.keyhaven.bench.scan.ScanBenchmark
 * </pre>
 * 1. Unpacks the JDK's lib/src.zip into a temp dir and scans it with Keyhaven (all cores, and one thread for the
 *    per-core figure), then with secretlint 13 + its recommended preset (installed with npm into the temp dir at
 *    benchmark time) on the same tree, and prints both MB/s and the ratio.
 * 2. Generates a git repository with thousands of commits (fast-import: edits, renames, branches, secrets added
 *    and removed) and times a full-history scan in blobs/s.
 * System properties: kh.bench.dir (work dir, default $TMPDIR/keyhaven-bench), kh.bench.src (src.zip),
 * kh.bench.commits (default 5000), kh.bench.skipSecretlint=true, kh.bench.skipHistory=true.
 */
public final class ScanBenchmark {
    static final String SRC_ZIP = System.getProperty("kh.bench.src", "/usr/lib/jvm/temurin-25-jdk-amd64/lib/src.zip");
    static final String SECRETLINT = "13.0.6";

    public static void main(String[] args) throws Exception {
        Path work = Path.of(System.getProperty("kh.bench.dir", Path.of(System.getProperty("java.io.tmpdir"), "keyhaven-bench").toString()));
        Files.createDirectories(work);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "Keyhaven scanner benchmark — %d cores, %s, %d rules%n", cores,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), RuleSet.builtin().rules().size());

        Path tree = work.resolve("jdk-src");
        long bytes = unpack(Path.of(SRC_ZIP), tree);
        System.out.printf(Locale.ROOT, "tree: %s (%.1f MB of source, %d files)%n", tree, bytes / 1e6, countFiles(tree));

        Scanner scanner = new Scanner(RuleSet.builtin());
        scanTree(scanner, tree, cores); // warm-up (JIT, page cache)
        Result all = best(3, () -> scanTree(scanner, tree, cores));
        Result one = best(2, () -> scanTree(scanner, tree, 1));
        System.out.printf(Locale.ROOT, "keyhaven  %d threads: %7.1f MB/s  (%.2fs, %d files, %d findings)%n", cores, all.mbps(), all.seconds, all.items, all.findings);
        System.out.printf(Locale.ROOT, "keyhaven  1 thread : %7.1f MB/s  (%.2fs) = per-core throughput%n", one.mbps(), one.seconds);
        System.out.printf(Locale.ROOT, "keyhaven  CPU cost: %.1f MB per CPU-second with %d threads, %.1f with 1 (load average now %.1f)%n",
                all.mbPerCpuSecond(), cores, one.mbPerCpuSecond(), java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        if (!Boolean.getBoolean("kh.bench.skipSecretlint")) {
            Result sl = secretlint(work, tree, bytes);
            System.out.printf(Locale.ROOT, "secretlint %s (preset-recommend): %7.1f MB/s  (%.2fs)%n", SECRETLINT, sl.mbps(), sl.seconds);
            System.out.printf(Locale.ROOT, "RATIO keyhaven/secretlint = %.1fx   (target >= 5x)%n", all.mbps() / sl.mbps());
        }
        System.out.printf(Locale.ROOT, "PER-CORE keyhaven = %.1f MB/s per core single-threaded, %.1f MB/s per core with %d threads  (target >= 50)%n",
                one.mbps(), all.mbps() / cores, cores);

        if (Boolean.getBoolean("kh.bench.skipHistory")) {
            return;
        }
        int commits = Integer.getInteger("kh.bench.commits", 5000);
        Path repo = work.resolve("history-repo");
        int planted = generateHistory(repo, commits);
        ScanRunner.Result warm = history(repo, cores);
        long t0 = System.nanoTime();
        ScanRunner.Result h = history(repo, cores);
        double secs = (System.nanoTime() - t0) / 1e9;
        long found = h.findings().stream().filter(f -> f.ruleId().equals("github-pat")).count();
        System.out.printf(Locale.ROOT, "history: %d commits, %d unique blobs, %.1f MB in %.2fs = %.0f blobs/s (%.1f MB/s); planted secrets %d, found %d (warm-up run found %d)%n",
                h.summary().commits(), h.summary().items(), h.summary().bytes() / 1e6, secs, h.summary().items() / secs,
                h.summary().bytes() / 1e6 / secs, planted, found, warm.findings().size());
    }

    record Result(double seconds, long bytes, long items, long findings, double cpuSeconds) {
        Result(double seconds, long bytes, long items, long findings) {
            this(seconds, bytes, items, findings, Double.NaN);
        }

        double mbps() {
            return bytes / 1e6 / seconds;
        }

        /** MB per CPU-second of this process: per-core throughput that other load on the machine cannot distort. */
        double mbPerCpuSecond() {
            return bytes / 1e6 / cpuSeconds;
        }
    }

    static double processCpuSeconds() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    interface Run {
        Result run() throws Exception;
    }

    static Result best(int n, Run r) throws Exception {
        Result best = null;
        for (int i = 0; i < n; i++) {
            Result x = r.run();
            if (best == null || x.seconds < best.seconds) {
                best = x;
            }
        }
        return best;
    }

    static Result scanTree(Scanner scanner, Path tree, int threads) throws IOException {
        double cpu0 = processCpuSeconds();
        long t0 = System.nanoTime();
        try (ScanRunner runner = new ScanRunner(scanner, 5L << 20, threads, ScanRunner.Progress.NONE)) {
            ScanRunner.Result r = runner.scanPaths(List.of(tree), tree, false);
            double s = (System.nanoTime() - t0) / 1e9;
            return new Result(s, r.summary().bytes(), r.summary().items(), r.findings().size(), processCpuSeconds() - cpu0);
        }
    }

    static ScanRunner.Result history(Path repo, int threads) throws IOException {
        try (ScanRunner runner = new ScanRunner(new Scanner(RuleSet.builtin()), 5L << 20, threads, ScanRunner.Progress.NONE)) {
            return runner.scanHistory(repo, List.of("--all"));
        }
    }

    static long unpack(Path zip, Path dest) throws IOException {
        Path done = dest.resolveSibling(dest.getFileName() + ".unpacked");
        if (!Files.exists(done)) {
            Files.createDirectories(dest);
            try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(zip))) {
                ZipEntry e;
                while ((e = zin.getNextEntry()) != null) {
                    Path out = dest.resolve(e.getName()).normalize();
                    if (!out.startsWith(dest)) {
                        throw new IOException("zip entry outside target: " + e.getName());
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(out);
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(zin, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Files.writeString(done, "ok");
        }
        try (Stream<Path> s = Files.walk(dest)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static long countFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    /** Installs secretlint with npm into the work dir (pinned) and times it on the same tree; best of two runs. */
    static Result secretlint(Path work, Path tree, long bytes) throws Exception {
        Path home = work.resolve("secretlint");
        Path bin = home.resolve("node_modules/.bin/secretlint");
        if (!Files.isExecutable(bin)) {
            Files.createDirectories(home);
            Files.writeString(home.resolve("package.json"), "{\"name\":\"kh-bench-secretlint\",\"private\":true}");
            exec(home, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                    "secretlint@" + SECRETLINT, "@secretlint/secretlint-rule-preset-recommend@" + SECRETLINT), home.resolve("npm.log"));
        }
        Path rc = home.resolve(".secretlintrc.json");
        Files.writeString(rc, "{\"rules\":[{\"id\":\"@secretlint/secretlint-rule-preset-recommend\"}]}");
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            exec(tree, List.of(bin.toString(), "--secretlintrc", rc.toString(), "--format", "json", "--output",
                    home.resolve("out.json").toString(), "**/*"), home.resolve("run.log"));
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return new Result(best, bytes, 0, 0);
    }

    static void exec(Path dir, List<String> cmd, Path log) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd.get(0));
        }
        // secretlint exits 1 when it finds something; only a crash (>1) is an error
        if (p.exitValue() > 1) {
            throw new IOException(String.join(" ", cmd) + " failed with exit " + p.exitValue() + "; see " + log);
        }
    }

    /** Builds a repository with {@code commits} commits through one git fast-import; returns planted secret count. */
    static int generateHistory(Path repo, int commits) throws Exception {
        Path marker = repo.resolve(".git/kh-bench-" + commits);
        if (Files.exists(marker)) {
            return Integer.parseInt(Files.readString(marker).trim());
        }
        if (Files.exists(repo)) {
            try (Stream<Path> s = Files.walk(repo)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
        Files.createDirectories(repo);
        exec(repo, List.of("git", "init", "-q", "-b", "main"), repo.resolve("../git-init.log"));
        Process p = new ProcessBuilder("git", "-C", repo.toString(), "fast-import", "--quiet")
                .redirectErrorStream(true).redirectOutput(repo.resolve("../fast-import.log").toFile()).start();
        Random rnd = new Random(1);
        int planted = 0;
        try (OutputStream out = new BufferedOutputStream(p.getOutputStream(), 1 << 20)) {
            int nFiles = 400;
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < nFiles; i++) {
                paths.add("src/main/java/com/acme/m" + (i % 20) + "/Service" + i + ".java");
            }
            int mark = 0;
            int prev = 0;
            long time = 1_600_000_000L;
            List<String> pendingSecretFiles = new ArrayList<>();
            for (int c = 0; c < commits; c++) {
                StringBuilder ops = new StringBuilder();
                int edits = c == 0 ? nFiles : 3;
                for (int e = 0; e < edits; e++) {
                    int fi = c == 0 ? e : rnd.nextInt(nFiles);
                    byte[] content = javaFile(rnd, paths.get(fi), c);
                    mark++;
                    writeBlob(out, mark, content);
                    ops.append("M 100644 :").append(mark).append(' ').append(paths.get(fi)).append('\n');
                }
                if (c > 0 && c % 250 == 0) { // plant a secret; it is deleted 40 commits later
                    String body = chars(rnd, 30);
                    String token = "ghp_" + body + Validator.base62Crc(body);
                    String f = "config/env-" + c + ".properties";
                    mark++;
                    writeBlob(out, mark, ("service.url=https://api.internal\ngithub.token=" + token + "\n").getBytes(StandardCharsets.UTF_8));
                    ops.append("M 100644 :").append(mark).append(' ').append(f).append('\n');
                    pendingSecretFiles.add(c + 40 + ":" + f);
                    planted++;
                }
                for (var it = pendingSecretFiles.iterator(); it.hasNext(); ) {
                    String[] pf = it.next().split(":", 2);
                    if (Integer.parseInt(pf[0]) == c) {
                        ops.append("D ").append(pf[1]).append('\n');
                        it.remove();
                    }
                }
                if (c > 0 && c % 100 == 0) { // rename a file
                    int fi = rnd.nextInt(nFiles);
                    String to = paths.get(fi).replace(".java", "V" + c + ".java");
                    ops.append("R ").append(paths.get(fi)).append(' ').append(to).append('\n');
                    paths.set(fi, to);
                }
                String branch = c > 0 && c % 500 == 0 ? "refs/heads/release-" + c : "refs/heads/main";
                mark++;
                time += 600;
                String msg = "change " + c + "\n";
                String header = "commit " + branch + "\nmark :" + mark + "\nauthor Dev " + (c % 7) + " <dev" + (c % 7)
                        + "@example.invalid> " + time + " +0000\ncommitter Dev <dev@example.invalid> " + time + " +0000\ndata "
                        + msg.getBytes(StandardCharsets.UTF_8).length + "\n" + msg + (prev > 0 ? "from :" + prev + "\n" : "");
                out.write(header.getBytes(StandardCharsets.UTF_8));
                out.write(ops.toString().getBytes(StandardCharsets.UTF_8));
                out.write('\n');
                if (branch.equals("refs/heads/main")) {
                    prev = mark;
                } else {
                    // the release branch gets one extra commit of its own; main continues from its parent
                    int releaseCommit = mark;
                    mark++;
                    writeBlob(out, mark, ("release notes " + c + "\n").getBytes(StandardCharsets.UTF_8));
                    int blob = mark;
                    mark++;
                    time += 60;
                    String m2 = "release " + c + "\n";
                    out.write(("commit " + branch + "\nmark :" + mark + "\nauthor Rel <rel@example.invalid> " + time
                            + " +0000\ncommitter Rel <rel@example.invalid> " + time + " +0000\ndata " + m2.length() + "\n" + m2
                            + "from :" + releaseCommit + "\nM 100644 :" + blob + " RELEASE-NOTES.md\n\n").getBytes(StandardCharsets.UTF_8));
                    prev = releaseCommit;
                }
            }
            out.write(("reset refs/heads/main\nfrom :" + prev + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        if (p.waitFor() != 0) {
            throw new IOException("git fast-import failed; see " + repo.resolve("../fast-import.log"));
        }
        Files.writeString(marker, Integer.toString(planted));
        return planted;
    }

    private static void writeBlob(OutputStream out, int mark, byte[] content) throws IOException {
        out.write(("blob\nmark :" + mark + "\ndata " + content.length + "\n").getBytes(StandardCharsets.UTF_8));
        out.write(content);
        out.write('\n');
    }

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static String chars(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(ALNUM.charAt(rnd.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    private static final String[] WORDS = {"request", "response", "token", "user", "account", "balance", "order", "payment",
        "config", "password", "service", "client", "session", "secret", "cache", "value", "result", "handler", "index"};

    /** A plausible Java source file of 2–6 KB. */
    static byte[] javaFile(Random rnd, String path, int version) {
        String cls = path.substring(path.lastIndexOf('/') + 1).replace(".java", "");
        StringBuilder sb = new StringBuilder();
        sb.append("package com.acme;\n\nimport java.util.*;\n\n/** Generated for the history benchmark, revision ").append(version).append(". */\n");
        sb.append("public final class ").append(cls).append(" {\n");
        int methods = 8 + rnd.nextInt(20);
        for (int m = 0; m < methods; m++) {
            String a = WORDS[rnd.nextInt(WORDS.length)];
            String b = WORDS[rnd.nextInt(WORDS.length)];
            sb.append("    public String ").append(a).append(Character.toUpperCase(b.charAt(0))).append(b.substring(1)).append(m)
                    .append("(Map<String, String> ").append(a).append(") {\n");
            sb.append("        String ").append(b).append(" = ").append(a).append(".get(\"").append(b).append("\");\n");
            sb.append("        if (").append(b).append(" == null) {\n            throw new IllegalStateException(\"missing ")
                    .append(b).append("\");\n        }\n");
            sb.append("        return ").append(b).append(".trim() + ").append(rnd.nextInt(1000)).append(";\n    }\n\n");
        }
        sb.append("}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
