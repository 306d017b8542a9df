package dev.keyhaven.scanner.walk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Git's ignore rules for one work tree, usable on its own: {@link #isIgnored(String, boolean)} answers for a path
 * relative to the work-tree root, with git's semantics — {@code .gitignore} files in every directory (deeper files
 * take precedence), {@code .git/info/exclude}, last matching pattern wins within a file, {@code !} negation,
 * {@code **} (leading, trailing, middle), anchoring (a slash at the start or middle), directory-only patterns
 * (trailing slash), character classes, escapes, and "a file inside an ignored directory cannot be re-included".
 * The user's global excludes file (core.excludesFile) is deliberately not read: results depend only on the repository.
 */
public final class GitIgnore {
    /** Result of matching one path against the pattern lists. */
    public enum Match { IGNORED, INCLUDED, NONE }

    private final Path root;
    private final ConcurrentHashMap<String, List<IgnorePattern>> perDir = new ConcurrentHashMap<>();
    private final List<IgnorePattern> infoExclude;

    public GitIgnore(Path workTreeRoot) {
        this.root = workTreeRoot.toAbsolutePath().normalize();
        Path exclude = gitDir(root).map(g -> g.resolve("info").resolve("exclude")).orElse(null);
        this.infoExclude = exclude == null ? List.of() : parseFile(exclude, "");
    }

    public Path root() {
        return root;
    }

    /** Finds the work-tree root containing {@code start} (a directory holding {@code .git}), if any. */
    public static Optional<Path> findWorkTreeRoot(Path start) {
        Path p = start.toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            p = p.getParent();
        }
        while (p != null) {
            if (Files.exists(p.resolve(".git"))) {
                return Optional.of(p);
            }
            p = p.getParent();
        }
        return Optional.empty();
    }

    /** The git directory: {@code .git}, or the target of a {@code gitdir:} file (worktrees, submodules). */
    static Optional<Path> gitDir(Path root) {
        Path dotGit = root.resolve(".git");
        if (Files.isDirectory(dotGit)) {
            return Optional.of(dotGit);
        }
        if (Files.isRegularFile(dotGit)) {
            try {
                String s = Files.readString(dotGit).trim();
                if (s.startsWith("gitdir:")) {
                    Path g = root.resolve(s.substring("gitdir:".length()).trim()).normalize();
                    // a linked worktree's info/exclude lives in the common dir
                    Path common = g.resolve("commondir");
                    if (Files.isRegularFile(common)) {
                        return Optional.of(g.resolve(Files.readString(common).trim()).normalize());
                    }
                    return Optional.of(g);
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code relativePath} (slash-separated, relative to the work-tree root) is ignored, including because
     * one of its parent directories is ignored.
     */
    public boolean isIgnored(String relativePath, boolean isDir) {
        String path = trimSlashes(relativePath);
        if (path.isEmpty()) {
            return false;
        }
        if (path.equals(".git") || path.startsWith(".git/")) {
            return true;
        }
        int slash = path.indexOf('/');
        while (slash > 0) {
            if (match(path.substring(0, slash), true) == Match.IGNORED) {
                return true;
            }
            slash = path.indexOf('/', slash + 1);
        }
        return match(path, isDir) == Match.IGNORED;
    }

    /** Matches one path against the pattern lists only (not its parents); what a directory walk needs. */
    public Match match(String relativePath, boolean isDir) {
        String path = trimSlashes(relativePath);
        int lastSlash = path.lastIndexOf('/');
        String dir = lastSlash < 0 ? "" : path.substring(0, lastSlash);
        // deepest .gitignore first
        while (true) {
            List<IgnorePattern> patterns = patternsOf(dir);
            String rel = dir.isEmpty() ? path : path.substring(dir.length() + 1);
            Match m = matchList(patterns, rel, isDir);
            if (m != Match.NONE) {
                return m;
            }
            if (dir.isEmpty()) {
                break;
            }
            int s = dir.lastIndexOf('/');
            dir = s < 0 ? "" : dir.substring(0, s);
        }
        return matchList(infoExclude, path, isDir);
    }

    private static Match matchList(List<IgnorePattern> patterns, String rel, boolean isDir) {
        for (int i = patterns.size() - 1; i >= 0; i--) {
            IgnorePattern p = patterns.get(i);
            if (p.matches(rel, isDir)) {
                return p.negated ? Match.INCLUDED : Match.IGNORED;
            }
        }
        return Match.NONE;
    }

    private List<IgnorePattern> patternsOf(String dir) {
        return perDir.computeIfAbsent(dir, d -> parseFile(d.isEmpty() ? root.resolve(".gitignore") : root.resolve(d).resolve(".gitignore"), d));
    }

    private static List<IgnorePattern> parseFile(Path file, String dir) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    /** Parses the lines of one ignore file. */
    public static List<IgnorePattern> parse(String content) {
        List<IgnorePattern> out = new ArrayList<>();
        for (String raw : content.split("\r?\n")) {
            IgnorePattern.of(raw).ifPresent(out::add);
        }
        return out;
    }

    private static String trimSlashes(String p) {
        String s = p.replace('\\', '/');
        while (s.startsWith("./")) {
            s = s.substring(2);
        }
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** One line of an ignore file. */
    public static final class IgnorePattern {
        final boolean negated;
        final boolean dirOnly;
        final boolean basenameOnly;
        final Pattern regex;

        private IgnorePattern(boolean negated, boolean dirOnly, boolean basenameOnly, Pattern regex) {
            this.negated = negated;
            this.dirOnly = dirOnly;
            this.basenameOnly = basenameOnly;
            this.regex = regex;
        }

        /** Parses one line of an ignore file; empty for blank lines and comments. */
        public static Optional<IgnorePattern> of(String line) {
            String s = line;
            if (s.isEmpty() || s.startsWith("#")) {
                return Optional.empty();
            }
            // trailing unescaped spaces are ignored
            int end = s.length();
            while (end > 0 && s.charAt(end - 1) == ' ' && !(end > 1 && s.charAt(end - 2) == '\\')) {
                end--;
            }
            s = s.substring(0, end);
            if (s.isEmpty()) {
                return Optional.empty();
            }
            boolean negated = false;
            if (s.startsWith("!")) {
                negated = true;
                s = s.substring(1);
            }
            boolean dirOnly = false;
            if (s.endsWith("/") && !s.endsWith("\\/")) {
                dirOnly = true;
                s = s.substring(0, s.length() - 1);
            }
            if (s.isEmpty()) {
                return Optional.empty();
            }
            boolean anchored = s.indexOf('/') >= 0;
            if (s.startsWith("/")) {
                s = s.substring(1);
            }
            return Optional.of(new IgnorePattern(negated, dirOnly, !anchored, Pattern.compile(toRegex(s), Pattern.DOTALL)));
        }

        /** Whether {@code !} re-includes what this pattern matches. */
        public boolean negated() {
            return negated;
        }

        /**
         * Whether this single pattern matches {@code rel} (slash-separated, relative to the directory of the ignore
         * file) itself; parent directories are not consulted.
         */
        public boolean matches(String rel, boolean isDir) {
            if (dirOnly && !isDir) {
                return false;
            }
            String target = rel;
            if (basenameOnly) {
                int s = rel.lastIndexOf('/');
                target = s < 0 ? rel : rel.substring(s + 1);
            }
            return regex.matcher(target).matches();
        }

        static String toRegex(String glob) {
            StringBuilder sb = new StringBuilder();
            int n = glob.length();
            for (int i = 0; i < n; i++) {
                char c = glob.charAt(i);
                switch (c) {
                    case '*' -> {
                        if (i + 1 < n && glob.charAt(i + 1) == '*') {
                            boolean atStart = i == 0 || glob.charAt(i - 1) == '/';
                            int j = i + 2;
                            boolean slashAfter = j < n && glob.charAt(j) == '/';
                            boolean atEnd = j == n;
                            if (atStart && slashAfter) {
                                sb.append("(?:.*/)?"); // "**/" = zero or more directories
                                i = j;
                            } else if (atStart && atEnd) {
                                sb.append(".*"); // trailing "/**" = everything inside
                                i = j - 1;
                            } else {
                                sb.append("[^/]*"); // other consecutive asterisks are a plain '*'
                                while (i + 1 < n && glob.charAt(i + 1) == '*') {
                                    i++;
                                }
                            }
                        } else {
                            sb.append("[^/]*");
                        }
                    }
                    case '?' -> sb.append("[^/]");
                    case '[' -> {
                        int close = glob.indexOf(']', i + 2);
                        if (close < 0) {
                            sb.append("\\[");
                        } else {
                            String body = glob.substring(i + 1, close);
                            StringBuilder cls = new StringBuilder("[");
                            int k = 0;
                            if (body.startsWith("!") || body.startsWith("^")) {
                                cls.append('^');
                                k = 1;
                            }
                            for (; k < body.length(); k++) {
                                char b = body.charAt(k);
                                if (b == '\\' || b == '[' || b == ']' || b == '&' || b == '^') {
                                    cls.append('\\');
                                }
                                cls.append(b);
                            }
                            cls.append(']');
                            sb.append(cls);
                            i = close;
                        }
                    }
                    case '\\' -> {
                        if (i + 1 < n) {
                            sb.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                        }
                    }
                    default -> sb.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return sb.toString();
        }
    }
}
