package dev.keyhaven.doctor;

import dev.keyhaven.doctor.docker.Dockerfile;
import dev.keyhaven.doctor.gha.Workflow;
import dev.keyhaven.doctor.yaml.YamlFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Everything checks read about a repository, computed once and cached: the file list (the scanner's walk, which
 * honours .gitignore, plus every file in the git index), the git index, file texts, parsed YAML and Dockerfiles.
 * Thread-safe; checks run in parallel against one context.
 */
public final class RepoContext {
    /** Files larger than this are never read as text (lock files and bundles are not configuration). */
    public static final long MAX_TEXT_BYTES = 1024 * 1024;

    private final Path root;
    private final List<String> files;
    private final Set<String> tracked;
    private final boolean gitRepo;
    private final IgnoreOracle ignore;
    private final SecretDetector detector;
    private final LocalDate today;
    private final ConcurrentHashMap<String, Optional<String>> texts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, YamlFile> yamls = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Dockerfile> dockerfiles = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Object> memo = new ConcurrentHashMap<>();

    public RepoContext(Path root, List<String> walkedFiles, Set<String> tracked, boolean gitRepo, IgnoreOracle ignore,
                       SecretDetector detector, LocalDate today) {
        this.root = root.toAbsolutePath().normalize();
        TreeSet<String> all = new TreeSet<>(walkedFiles);
        for (String t : tracked) if (Files.isRegularFile(this.root.resolve(t))) all.add(t);
        this.files = List.copyOf(all);
        this.tracked = Collections.unmodifiableSet(new TreeSet<>(tracked));
        this.gitRepo = gitRepo;
        this.ignore = ignore;
        this.detector = detector;
        this.today = today;
    }

    public Path root() { return root; }

    /** Every file the doctor considers, relative with forward slashes, sorted. */
    public List<String> files() { return files; }

    public List<String> files(Predicate<String> filter) {
        List<String> out = new ArrayList<>();
        for (String f : files) if (filter.test(f)) out.add(f);
        return out;
    }

    public boolean exists(String rel) { return Files.exists(root.resolve(rel)); }

    public boolean isGitRepo() { return gitRepo; }

    /** Paths in the git index (empty when not a git work tree). */
    public Set<String> tracked() { return tracked; }

    public boolean isTracked(String rel) { return tracked.contains(rel); }

    public IgnoreOracle ignore() { return ignore; }

    public SecretDetector detector() { return detector; }

    public LocalDate today() { return today; }

    /** File name (last segment). */
    public static String name(String rel) {
        int s = rel.lastIndexOf('/');
        return s < 0 ? rel : rel.substring(s + 1);
    }

    public static String lowerName(String rel) { return name(rel).toLowerCase(Locale.ROOT); }

    /** Text of a file, if it is a regular file under {@link #MAX_TEXT_BYTES} and not binary. */
    public Optional<String> text(String rel) {
        return texts.computeIfAbsent(rel, this::readText);
    }

    private Optional<String> readText(String rel) {
        Path p = root.resolve(rel);
        try {
            if (!Files.isRegularFile(p) || Files.size(p) > MAX_TEXT_BYTES) return Optional.empty();
            byte[] b = Files.readAllBytes(p);
            int n = Math.min(b.length, 8000);
            for (int i = 0; i < n; i++) if (b[i] == 0) return Optional.empty();
            return Optional.of(new String(b, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Raw bytes of a (small) file, for binary formats such as keystores. */
    public Optional<byte[]> bytes(String rel) {
        Path p = root.resolve(rel);
        try {
            if (!Files.isRegularFile(p) || Files.size(p) > MAX_TEXT_BYTES) return Optional.empty();
            return Optional.of(Files.readAllBytes(p));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The first {@code n} bytes of a file. */
    public byte[] head(String rel, int n) {
        try (InputStream in = Files.newInputStream(root.resolve(rel))) {
            return in.readNBytes(n);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    public YamlFile yaml(String rel) {
        return yamls.computeIfAbsent(rel, r -> YamlFile.parse(r, text(r).orElse("")));
    }

    public static boolean isYaml(String rel) {
        String n = lowerName(rel);
        return n.endsWith(".yml") || n.endsWith(".yaml");
    }

    public Dockerfile dockerfile(String rel) {
        return dockerfiles.computeIfAbsent(rel, r -> Dockerfile.parse(text(r).orElse("")));
    }

    public static boolean isDockerfile(String rel) {
        String n = lowerName(rel);
        if (n.equals("dockerfile") || n.endsWith(".dockerfile") || n.equals("containerfile")) return true;
        // Dockerfile.dev, Dockerfile.alpine, Containerfile.j2 — but not a parser's source file (Dockerfile.java)
        if (!n.startsWith("dockerfile.") && !n.startsWith("containerfile.")) return false;
        return !NOT_DOCKERFILE_SUFFIX.contains(n.substring(n.lastIndexOf('.') + 1));
    }

    /** Extensions that make "Dockerfile.x" source code or documentation rather than a Dockerfile variant. */
    private static final Set<String> NOT_DOCKERFILE_SUFFIX = Set.of("java", "kt", "scala", "groovy", "class", "go", "py", "rb", "rs",
            "js", "mjs", "cjs", "ts", "tsx", "jsx", "cs", "c", "h", "cc", "cpp", "hpp", "swift", "php", "pl", "md", "rst", "adoc", "txt",
            "html", "json", "xml", "yml", "yaml", "toml", "snap", "bak", "orig", "swp");

    public List<String> dockerfilePaths() { return memo("dockerfiles", () -> files(RepoContext::isDockerfile)); }

    public static boolean isWorkflow(String rel) {
        return rel.startsWith(".github/workflows/") && rel.indexOf('/', ".github/workflows/".length()) < 0 && isYaml(rel);
    }

    public List<Workflow> workflows() {
        return memo("workflows", () -> {
            List<Workflow> out = new ArrayList<>();
            for (String f : files(RepoContext::isWorkflow)) Workflow.of(yaml(f)).ifPresent(out::add);
            return out;
        });
    }

    public static boolean isCompose(String rel) {
        String n = lowerName(rel);
        return (n.startsWith("docker-compose") || n.startsWith("compose")) && isYaml(rel);
    }

    /** Whether a path is a test or example location, where fixtures and placeholders are expected. */
    public static boolean isTestOrExample(String rel) {
        String l = "/" + rel.toLowerCase(Locale.ROOT);
        return l.contains("/test/") || l.contains("/tests/") || l.contains("/testdata/") || l.contains("/__tests__/")
                || l.contains("/fixtures/") || l.contains("/spec/") || l.contains("/examples/") || l.contains("/example/")
                || l.contains("/samples/") || l.contains("/src/test") || l.contains("/docs/")
                || l.contains(".example") || l.contains(".sample") || l.contains(".template") || l.endsWith(".md");
    }

    /** Runs git in the repository; empty on any failure. */
    public Optional<byte[]> git(String... args) {
        if (!gitRepo) return Optional.empty();
        return Git.run(root, args);
    }

    @SuppressWarnings("unchecked")
    public <T> T memo(String key, java.util.function.Supplier<T> compute) {
        Object v = memo.get(key);
        if (v == null) {
            v = compute.get();
            Object prev = memo.putIfAbsent(key, v);
            if (prev != null) v = prev;
        }
        return (T) v;
    }

    /** Minimal git runner: no shell, bounded wait, stderr discarded. */
    public static final class Git {
        private Git() {}

        public static Optional<byte[]> run(Path dir, String... args) {
            List<String> cmd = new ArrayList<>();
            cmd.add("git");
            cmd.add("-C");
            cmd.add(dir.toString());
            Collections.addAll(cmd, args);
            try {
                Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return Optional.empty();
                }
                return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}
