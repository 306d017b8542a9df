package dev.keyhaven.doctor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Builds a {@link RepoContext}: the file walk, the git index, the ignore oracle and the scanner bridge. */
public final class RepoLoader {
    private RepoLoader() {}

    public static RepoContext load(Path root, LocalDate today) {
        Path r = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(r)) throw new DoctorException("not a directory: " + root);
        boolean git = RepoContext.Git.run(r, "rev-parse", "--is-inside-work-tree").map(b -> new String(b, StandardCharsets.UTF_8).trim().equals("true")).orElse(false)
                && Files.exists(r.resolve(".git"));
        Set<String> tracked = new HashSet<>();
        List<String> walked = new ArrayList<>();
        IgnoreOracle ignore;
        if (git) {
            RepoContext.Git.run(r, "ls-files", "-z").ifPresent(b -> split0(b, tracked));
            // untracked, not ignored files (git's own ignore semantics)
            Set<String> untracked = new HashSet<>();
            RepoContext.Git.run(r, "ls-files", "-z", "--others", "--exclude-standard").ifPresent(b -> split0(b, untracked));
            walked.addAll(tracked);
            walked.addAll(untracked);
            ignore = new GitCheckIgnore(r);
        } else {
            walked.addAll(walk(r));
            ignore = ScannerBridge.ignoreOracle(r);
        }
        return new RepoContext(r, walked, tracked, git, ignore, ScannerBridge.detector(), today);
    }

    private static void split0(byte[] b, Set<String> into) {
        for (String s : new String(b, StandardCharsets.UTF_8).split("\0")) if (!s.isEmpty()) into.add(s);
    }

    private static List<String> walk(Path root) {
        return ScannerBridge.walk(root).orElseGet(() -> {
            List<String> out = new ArrayList<>();
            try {
                Files.walkFileTree(root, new SimpleFileVisitor<>() {
                    @Override public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                        String n = d.getFileName() == null ? "" : d.getFileName().toString();
                        return !d.equals(root) && (n.equals(".git") || n.equals("node_modules") || n.equals("target")) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }
                    @Override public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                        if (a.isRegularFile()) out.add(root.relativize(f).toString().replace('\\', '/'));
                        return FileVisitResult.CONTINUE;
                    }
                    @Override public FileVisitResult visitFileFailed(Path f, IOException e) { return FileVisitResult.CONTINUE; }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        });
    }

    /** git check-ignore over probe paths, cached; git's own implementation of gitignore semantics. */
    static final class GitCheckIgnore implements IgnoreOracle {
        private final Path root;
        private final java.util.concurrent.ConcurrentHashMap<String, Boolean> cache = new java.util.concurrent.ConcurrentHashMap<>();

        GitCheckIgnore(Path root) { this.root = root; }

        @Override
        public boolean isIgnored(String rel, boolean dir) {
            String p = dir && !rel.endsWith("/") ? rel + "/" : rel;
            return cache.computeIfAbsent(p, k -> {
                Optional<byte[]> out = RepoContext.Git.run(root, "check-ignore", "-q", "--no-index", k);
                return out.isPresent();
            });
        }
    }
}
