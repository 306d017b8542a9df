package dev.keyhaven.scanner.walk;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import dev.keyhaven.scanner.git.Git;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Walks a directory tree (or takes a single file) and reports the regular files to scan. Inside a git work tree it
 * applies {@link GitIgnore} (unless told not to) — except to files git tracks anyway (force-added), which are always
 * scanned; it never enters {@code .git}, does not follow symbolic links, and reports files above the size limit as
 * skipped instead of handing them out.
 */
public final class FileWalker {
    /**
     * @param respectGitignore apply .gitignore / .git/info/exclude when the root is inside a work tree
     * @param maxSize          files larger than this many bytes are skipped (reported as {@link SkipReason#TOO_LARGE})
     */
    public record Options(boolean respectGitignore, long maxSize) {
        public static Options defaults() {
            return new Options(true, 5L * 1024 * 1024);
        }
    }

    public enum SkipReason { TOO_LARGE, BINARY, UNREADABLE }

    /** A file to scan. {@code displayPath} is what reports show (relative to the walk's base, slash-separated). */
    public record Entry(Path file, String displayPath, long size) {
    }

    public interface Visitor {
        void file(Entry entry);

        void skipped(String displayPath, SkipReason reason);
    }

    private final Options options;

    public FileWalker(Options options) {
        this.options = options;
    }

    /** NUL byte in the first 8 KB: the usual (git's) binary heuristic. */
    public static boolean isBinary(byte[] data) {
        int n = Math.min(data.length, 8192);
        for (int i = 0; i < n; i++) {
            if (data[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Walks {@code root} (a directory or a file). Display paths are relative to {@code base} when the file is under
     * it, else absolute.
     */
    public void walk(Path root, Path base, Visitor visitor) throws IOException {
        Path absRoot = root.toAbsolutePath().normalize();
        Path absBase = base.toAbsolutePath().normalize();
        Optional<GitIgnore> ignore = Optional.empty();
        if (options.respectGitignore()) {
            ignore = GitIgnore.findWorkTreeRoot(absRoot).map(GitIgnore::new);
        }
        walk(absRoot, absBase, ignore, visitor);
    }

    /**
     * Walks {@code root} applying the given ignore rules whatever {@link Options#respectGitignore()} says, also when
     * the tree is not (yet) a git work tree: {@code new GitIgnore(dir)} reads the {@code .gitignore} files under
     * {@code dir} as git would once the directory is initialised.
     */
    public void walk(Path root, Path base, GitIgnore ignore, Visitor visitor) throws IOException {
        walk(root.toAbsolutePath().normalize(), base.toAbsolutePath().normalize(), Optional.of(ignore), visitor);
    }

    private void walk(Path absRoot, Path absBase, Optional<GitIgnore> ignore, Visitor visitor) throws IOException {
        if (!Files.isDirectory(absRoot)) {
            BasicFileAttributes a = Files.readAttributes(absRoot, BasicFileAttributes.class);
            visitFile(absRoot, a, absBase, visitor);
            return;
        }
        final Optional<GitIgnore> gi = ignore;
        final Set<String> tracked = gi.map(g -> trackedFiles(g.root())).orElse(Set.of());
        final Set<String> trackedDirs = new HashSet<>();
        for (String t : tracked) {
            for (int i = t.indexOf('/'); i > 0; i = t.indexOf('/', i + 1)) {
                trackedDirs.add(t.substring(0, i));
            }
        }
        // true while inside an ignored directory entered only because it holds tracked files
        final Deque<Boolean> insideIgnored = new ArrayDeque<>();
        Files.walkFileTree(absRoot, new FileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                boolean parentIgnored = !insideIgnored.isEmpty() && insideIgnored.peek();
                boolean thisIgnored = parentIgnored;
                if (!dir.equals(absRoot)) {
                    if (dir.getFileName().toString().equals(".git")) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    if (gi.isPresent() && (parentIgnored || ignored(gi.get(), dir, true))) {
                        if (!trackedDirs.contains(rel(gi.get(), dir))) {
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        thisIgnored = true;
                    }
                }
                insideIgnored.push(thisIgnored);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (!attrs.isRegularFile()) {
                    return FileVisitResult.CONTINUE; // symlinks, sockets, devices
                }
                if (gi.isPresent()) {
                    boolean inIgnored = !insideIgnored.isEmpty() && insideIgnored.peek();
                    if ((inIgnored || ignored(gi.get(), file, false)) && !tracked.contains(rel(gi.get(), file))) {
                        return FileVisitResult.CONTINUE;
                    }
                }
                FileWalker.this.visitFile(file, attrs, absBase, visitor);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                visitor.skipped(display(file, absBase), SkipReason.UNREADABLE);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                if (!insideIgnored.isEmpty()) {
                    insideIgnored.pop();
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static String rel(GitIgnore gi, Path p) {
        return p.startsWith(gi.root()) ? gi.root().relativize(p).toString().replace('\\', '/') : "";
    }

    /** Paths git tracks (index), relative to the work-tree root; empty if git is unavailable. */
    static Set<String> trackedFiles(Path workTree) {
        try {
            byte[] out = new Git(workTree).run("ls-files", "-z", "--cached");
            Set<String> s = new HashSet<>();
            for (String p : new String(out, StandardCharsets.UTF_8).split("\0")) {
                if (!p.isEmpty()) {
                    s.add(p);
                }
            }
            return s;
        } catch (IOException e) {
            return Set.of();
        }
    }

    private static boolean ignored(GitIgnore gi, Path p, boolean isDir) {
        if (!p.startsWith(gi.root())) {
            return false;
        }
        String rel = gi.root().relativize(p).toString().replace('\\', '/');
        // parents were already checked on the way down (we do not enter ignored directories)
        return gi.match(rel, isDir) == GitIgnore.Match.IGNORED;
    }

    private void visitFile(Path file, BasicFileAttributes attrs, Path base, Visitor visitor) {
        String display = display(file, base);
        if (attrs.size() > options.maxSize()) {
            visitor.skipped(display, SkipReason.TOO_LARGE);
            return;
        }
        visitor.file(new Entry(file, display, attrs.size()));
    }

    public static String display(Path file, Path base) {
        Path abs = file.toAbsolutePath().normalize();
        String s = abs.startsWith(base) && !abs.equals(base) ? base.relativize(abs).toString() : abs.toString();
        return s.replace('\\', '/');
    }
}
