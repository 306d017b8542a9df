package dev.keyhaven.scanner;

import dev.keyhaven.scanner.git.Git;
import dev.keyhaven.scanner.rules.Allowlist;
import dev.keyhaven.scanner.walk.FileWalker;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link Scanner} over sources — directory trees and files, raw bytes (stdin), the git index (staged
 * changes), and git history (all refs or a revision range) — in parallel on a bounded pool, and collects findings
 * plus a summary of what was scanned and skipped.
 */
public final class ScanRunner implements AutoCloseable {
    /** Receives progress (items done, bytes done); called from worker threads. */
    public interface Progress {
        void update(long items, long bytes);

        default void finish() {
        }

        Progress NONE = (i, b) -> { };
    }

    public record Skip(String path, FileWalker.SkipReason reason) {
    }

    /**
     * What a scan covered. {@code items} are files (or blobs for git sources); {@code skipped} lists at most
     * {@value #MAX_SKIP_EXAMPLES} examples, the counters are complete.
     */
    public record Summary(long items, long bytes, long commits, long skippedTooLarge, long skippedBinary,
                          long skippedUnreadable, List<Skip> skipped, Duration elapsed) {
        public double megabytesPerSecond() {
            double s = Math.max(elapsed.toNanos(), 1) / 1e9;
            return bytes / 1e6 / s;
        }

        public double itemsPerSecond() {
            double s = Math.max(elapsed.toNanos(), 1) / 1e9;
            return items / s;
        }

        public long skippedTotal() {
            return skippedTooLarge + skippedBinary + skippedUnreadable;
        }
    }

    public record Result(List<Finding> findings, Summary summary) {
    }

    static final int MAX_SKIP_EXAMPLES = 50;

    private final Scanner scanner;
    private final long maxSize;
    private final int threads;
    private final ExecutorService pool;
    private final Progress progress;

    public ScanRunner(Scanner scanner, long maxSize, int threads, Progress progress) {
        this.scanner = scanner;
        this.maxSize = maxSize;
        this.threads = Math.max(1, threads);
        this.progress = progress;
        this.pool = Executors.newFixedThreadPool(this.threads, r -> {
            Thread t = new Thread(r, "keyhaven-scan");
            t.setDaemon(true);
            return t;
        });
    }

    public Scanner scanner() {
        return scanner;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    /** Mutable state of one run. */
    private final class Run {
        final Instant start = Instant.now();
        final ConcurrentLinkedQueue<Finding> findings = new ConcurrentLinkedQueue<>();
        final AtomicLong items = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong tooLarge = new AtomicLong();
        final AtomicLong binary = new AtomicLong();
        final AtomicLong unreadable = new AtomicLong();
        final List<Skip> skipped = Collections.synchronizedList(new ArrayList<>());
        final Semaphore inFlight = new Semaphore(threads * 4);
        final List<Future<?>> futures = Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        long commits;

        void skip(String path, FileWalker.SkipReason reason) {
            switch (reason) {
                case TOO_LARGE -> tooLarge.incrementAndGet();
                case BINARY -> binary.incrementAndGet();
                case UNREADABLE -> unreadable.incrementAndGet();
            }
            if (skipped.size() < MAX_SKIP_EXAMPLES) {
                skipped.add(new Skip(path, reason));
            }
        }

        void submit(Runnable task) throws IOException {
            try {
                inFlight.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
            futures.add(pool.submit(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                } finally {
                    inFlight.release();
                }
            }));
        }

        /** Scans one text item, counting it; returns its findings (also collected). */
        List<Finding> scanItem(String path, byte[] data) {
            if (FileWalker.isBinary(data)) {
                skip(path, FileWalker.SkipReason.BINARY);
                return List.of();
            }
            List<Finding> f = scanner.scan(path, data);
            long i = items.incrementAndGet();
            long b = bytes.addAndGet(data.length);
            progress.update(i, b);
            return f;
        }

        Result finish() throws IOException {
            for (Future<?> f : new ArrayList<>(futures)) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                } catch (ExecutionException e) {
                    failure.compareAndSet(null, e.getCause());
                }
            }
            progress.finish();
            Throwable t = failure.get();
            if (t instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (t != null) {
                throw new IOException("scan failed: " + t.getClass().getSimpleName(), t);
            }
            List<Finding> list = new ArrayList<>(findings);
            list.sort(Comparator.comparing(Finding::path).thenComparingInt(Finding::line).thenComparingInt(Finding::column)
                    .thenComparing(Finding::ruleId));
            Summary s = new Summary(items.get(), bytes.get(), commits, tooLarge.get(), binary.get(), unreadable.get(),
                    List.copyOf(skipped), Duration.between(start, Instant.now()));
            return new Result(list, s);
        }
    }

    /** Scans files and directory trees. Display paths are relative to {@code base} where possible. */
    public Result scanPaths(List<Path> roots, Path base, boolean respectGitignore) throws IOException {
        Run run = new Run();
        FileWalker walker = new FileWalker(new FileWalker.Options(respectGitignore, maxSize));
        for (Path root : roots) {
            if (!Files.exists(root)) {
                throw new IOException("no such file or directory: " + root);
            }
            IOException[] walkError = new IOException[1];
            walker.walk(root, base, new FileWalker.Visitor() {
                @Override
                public void file(FileWalker.Entry e) {
                    if (scanner.isPathAllowed(e.displayPath())) {
                        return;
                    }
                    try {
                        run.submit(() -> {
                            byte[] data;
                            try {
                                data = Files.readAllBytes(e.file());
                            } catch (IOException | OutOfMemoryError ex) {
                                run.skip(e.displayPath(), FileWalker.SkipReason.UNREADABLE);
                                return;
                            }
                            run.findings.addAll(run.scanItem(e.displayPath(), data));
                        });
                    } catch (IOException ex) {
                        walkError[0] = ex;
                    }
                }

                @Override
                public void skipped(String displayPath, FileWalker.SkipReason reason) {
                    run.skip(displayPath, reason);
                }
            });
            if (walkError[0] != null) {
                throw walkError[0];
            }
        }
        return run.finish();
    }

    /** Scans one in-memory item (e.g. stdin). */
    public Result scanBytes(String name, byte[] data) throws IOException {
        Run run = new Run();
        if (data.length > maxSize) {
            run.skip(name, FileWalker.SkipReason.TOO_LARGE);
        } else if (!scanner.isPathAllowed(name)) {
            run.findings.addAll(run.scanItem(name, data));
        }
        return run.finish();
    }

    /** Scans the files staged in the index that differ from HEAD (added, copied, modified, renamed). */
    public Result scanStaged(Path repoDir) throws IOException {
        Git git = new Git(repoDir);
        Path top = git.topLevel();
        Git topGit = new Git(top);
        Run run = new Run();
        byte[] names = topGit.run("diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--no-renames");
        List<String> paths = new ArrayList<>();
        for (String p : new String(names, StandardCharsets.UTF_8).split("\0")) {
            if (!p.isEmpty()) {
                paths.add(p);
            }
        }
        if (paths.isEmpty()) {
            return run.finish();
        }
        try (Git.CatFile cat = new Git.CatFile(topGit, maxSize)) {
            List<String> requested = new ArrayList<>();
            Thread writer = new Thread(() -> {
                try {
                    for (String p : paths) {
                        if (p.indexOf('\n') >= 0) {
                            continue;
                        }
                        cat.request(":" + p);
                    }
                    cat.finishRequests();
                } catch (IOException e) {
                    run.failure.compareAndSet(null, new UncheckedIOException(e));
                }
            }, "keyhaven-catfile-writer");
            for (String p : paths) {
                if (p.indexOf('\n') < 0) {
                    requested.add(p);
                } else {
                    run.skip(p, FileWalker.SkipReason.UNREADABLE);
                }
            }
            writer.start();
            for (String p : requested) {
                Optional<Git.CatFile.Blob> b = cat.next(p);
                if (b.isEmpty()) {
                    throw new IOException("git cat-file ended early: " + cat.errorLine());
                }
                Git.CatFile.Blob blob = b.get();
                if (blob.missing() || !blob.type().equals("blob")) {
                    run.skip(p, FileWalker.SkipReason.UNREADABLE);
                } else if (blob.data() == null) {
                    run.skip(p, FileWalker.SkipReason.TOO_LARGE);
                } else if (!scanner.isPathAllowed(p)) {
                    byte[] data = blob.data();
                    run.submit(() -> run.findings.addAll(run.scanItem(p, data)));
                }
            }
            joinQuietly(writer);
        }
        return run.finish();
    }

    /**
     * Scans every blob introduced by the commits selected by {@code revArgs} (e.g. {@code --all} for the full
     * history, {@code A..B} for a range). Each unique blob is read once through one {@code git cat-file --batch}
     * process and scanned once; a finding is attributed to the first commit (oldest in topological order) that
     * introduced its secret, with that commit's path, author and date. One finding per rule and secret.
     */
    public Result scanHistory(Path repoDir, List<String> revArgs) throws IOException {
        Git git = new Git(new Git(repoDir).topLevel());
        Run run = new Run();
        List<CommitInfo> commits = Collections.synchronizedList(new ArrayList<>());
        Map<String, Integer> positions = new java.util.concurrent.ConcurrentHashMap<>();
        record Origin(int commit, String path) {
        }
        // blob sha -> first origin; written by the log thread, read by the reader after the blob's request
        Map<String, Origin> origins = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Map<String, Finding> firstByKey = new java.util.concurrent.ConcurrentHashMap<>();

        List<String> args = new ArrayList<>(List.of("log", "--reverse", "--topo-order", "--no-renames", "--raw", "--no-abbrev",
                "--diff-merges=first-parent", "-z", "--no-color", "--no-ext-diff", "--format=%x01%H%x00%an%x00%ae%x00%at%x00%s"));
        args.addAll(revArgs);
        args.add("--");
        Process log = git.start(args.toArray(new String[0]));
        log.getOutputStream().close();
        Git.CatFile cat = new Git.CatFile(git, maxSize);
        AtomicReference<IOException> logError = new AtomicReference<>();
        Thread logThread = new Thread(() -> {
            try (InputStream in = new BufferedInputStream(log.getInputStream(), 1 << 20)) {
                Set<String> seen = new HashSet<>();
                int commit = -1;
                String token;
                String pendingRaw = null;
                String[] header = new String[5];
                int headerField = 5;
                while ((token = readToken(in)) != null) {
                    if (headerField < 5) {
                        header[headerField++] = token;
                        if (headerField == 5) {
                            long ts = parseLongOr(header[3], 0);
                            commits.add(new CommitInfo(header[0], header[1], header[2], Instant.ofEpochSecond(ts), header[4]));
                            commit = commits.size() - 1;
                            positions.putIfAbsent(header[0], commit);
                        }
                        continue;
                    }
                    String t = token.startsWith("\n") ? token.substring(1) : token;
                    if (t.startsWith("\u0001")) {
                        header[0] = t.substring(1);
                        headerField = 1;
                        pendingRaw = null;
                    } else if (pendingRaw != null) {
                        // t is the path of the raw entry
                        String[] f = pendingRaw.split(" ");
                        // :oldmode newmode oldsha newsha status
                        if (f.length >= 5 && commit >= 0) {
                            String newMode = f[1];
                            String sha = f[3];
                            String status = f[4];
                            boolean isBlob = newMode.startsWith("100");
                            if (isBlob && !status.startsWith("D") && !isNullSha(sha) && seen.add(sha)) {
                                origins.put(sha, new Origin(commit, t));
                                order.add(sha);
                                cat.request(sha);
                                if (order.size() % 64 == 0) {
                                    cat.flush(); // keep cat-file busy while the log is still being read
                                }
                            }
                        }
                        pendingRaw = null;
                    } else if (t.startsWith(":")) {
                        pendingRaw = t.substring(1);
                    }
                }
                cat.finishRequests();
            } catch (IOException e) {
                logError.set(e);
                try {
                    cat.finishRequests();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }, "keyhaven-git-log");
        Git.StderrCollector logErr = new Git.StderrCollector(log.getErrorStream());
        logErr.start();
        logThread.start();
        try {
            int i = 0;
            while (true) {
                // the name is only known once the log thread queued it
                Optional<Git.CatFile.Blob> b = cat.next("");
                if (b.isEmpty()) {
                    break;
                }
                String sha = order.get(i++);
                Origin o = origins.get(sha);
                Git.CatFile.Blob blob = b.get();
                String path = o.path();
                if (blob.missing()) {
                    run.skip(path + "@" + sha.substring(0, 12), FileWalker.SkipReason.UNREADABLE);
                    continue;
                }
                if (blob.data() == null) {
                    run.skip(path + "@" + sha.substring(0, 12), FileWalker.SkipReason.TOO_LARGE);
                    continue;
                }
                if (scanner.isPathAllowed(path)) {
                    continue;
                }
                byte[] data = blob.data();
                int commitIdx = o.commit();
                run.submit(() -> {
                    CommitInfo c = commits.get(commitIdx);
                    for (Finding f : run.scanItem(path, data)) {
                        if (commitAllowed(c.sha())) {
                            continue;
                        }
                        Finding withCommit = f.withCommit(c);
                        String key = f.ruleId() + '\0' + f.secret();
                        firstByKey.merge(key, withCommit, (a, x) -> commitIndex(positions, a) <= commitIndex(positions, x) ? a : x);
                    }
                });
            }
        } finally {
            joinQuietly(logThread);
            cat.close();
        }
        int code = Git.waitFor(log);
        logErr.join0();
        if (logError.get() != null) {
            throw logError.get();
        }
        if (code != 0) {
            throw new IOException("git log failed: " + logErr.firstLine());
        }
        run.commits = commits.size();
        Result r = run.finish();
        List<Finding> fs = new ArrayList<>(firstByKey.values());
        fs.sort(Comparator.comparingInt((Finding f) -> commitIndex(positions, f)).thenComparing(Finding::path)
                .thenComparingInt(Finding::line).thenComparing(Finding::ruleId));
        return new Result(fs, r.summary());
    }

    private static int commitIndex(Map<String, Integer> positions, Finding f) {
        return f.commit().map(c -> positions.getOrDefault(c.sha(), Integer.MAX_VALUE)).orElse(Integer.MAX_VALUE);
    }

    private boolean commitAllowed(String sha) {
        for (Allowlist a : scanner.ruleSet().allowlists()) {
            if (a.allowsCommit(sha)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNullSha(String sha) {
        for (int i = 0; i < sha.length(); i++) {
            if (sha.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    private static long parseLongOr(String s, long dflt) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** Reads one NUL-terminated token (UTF-8), or null at the end. */
    private static String readToken(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) >= 0 && b != 0) {
            buf.write(b);
        }
        if (b < 0 && buf.size() == 0) {
            return null;
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
