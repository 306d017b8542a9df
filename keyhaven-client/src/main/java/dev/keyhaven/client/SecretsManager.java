package dev.keyhaven.client;

import dev.keyhaven.client.dotenv.DotenvEntry;
import dev.keyhaven.client.dotenv.DotenvParser;
import dev.keyhaven.client.dotenv.DotenvSyntaxException;
import dev.keyhaven.client.redact.Redactor;
import dev.keyhaven.client.sources.DotenvSource;
import dev.keyhaven.client.sources.EnvironmentSource;
import dev.keyhaven.client.sources.FileSecretSource;
import dev.keyhaven.client.spi.SecretSource;
import dev.keyhaven.client.spi.SourceValue;
import dev.keyhaven.client.spi.VersionedSecretSource;
import dev.keyhaven.client.vault.VaultKvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The entry point: resolves secret names through an ordered chain of {@link SecretSource}s, first answer
 * wins.
 *
 * <pre>{@code
 * try (SecretsManager secrets = SecretsManager.builder().defaultChain().requireFromExampleFile().build()) {
 *     secrets.validate();                                  // fail fast, listing every missing name
 *     Secret dbPassword = secrets.get("DB_PASSWORD");      // toString() is "Secret[****]"
 *     dataSource.setPassword(dbPassword.reveal());
 * }
 * }</pre>
 *
 * <p>The default chain: environment → dotenv files ({@code .env}, {@code .env.local}, {@code .secrets/dev.env})
 * → {@code NAME_FILE} and {@code /run/secrets/<name>} → a Keyhaven/Vault server (only when
 * {@code KEYHAVEN_ADDR}/{@code VAULT_ADDR} and {@code KEYHAVEN_PATHS} are set).
 *
 * <p>A source that has no value lets the chain continue; a source that fails (unreachable, denied, sealed,
 * misconfigured) stops it with that source's exception: falling through to an older local value would hide
 * the outage and serve stale credentials. Answers are cached for {@link Builder#cacheTtl} (default 5 minutes)
 * and every loaded value is registered with the {@link Redactor} so logging integrations mask it.
 *
 * <p>Thread-safe. Close it to stop token renewal threads.
 */
public final class SecretsManager implements AutoCloseable {

    private final List<SecretSource> sources;
    private final List<String> required;
    private final Duration cacheTtl;
    private final Duration staleGrace;
    private final Redactor redactor;
    private final LongSupplier nanoTime;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private record Cached(SourceValue value, SecretSource source, long loadedAtNanos) {
    }

    private record Answer(SourceValue value, SecretSource source) {
    }

    private SecretsManager(List<SecretSource> sources, List<String> required, Duration cacheTtl, Duration staleGrace,
                           Redactor redactor, LongSupplier nanoTime) {
        this.sources = List.copyOf(sources);
        this.required = List.copyOf(required);
        this.cacheTtl = cacheTtl;
        this.staleGrace = staleGrace;
        this.redactor = redactor;
        this.nanoTime = nanoTime;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The value of {@code name}.
     *
     * @throws SecretNotFoundException when no source has it
     * @throws SourceException         when a source could not answer (see its subclasses)
     */
    public Secret get(String name) {
        return resolve(name).map(a -> a.value().secret())
                .orElseThrow(() -> new SecretNotFoundException(name, sourceNames()));
    }

    /** The value of {@code name}, or empty when no source has it. Source failures still throw. */
    public Optional<Secret> find(String name) {
        return resolve(name).map(a -> a.value().secret());
    }

    /** The value of {@code name}, or {@code fallback} when no source has it (for non-secret settings). */
    public Secret getOrDefault(String name, Secret fallback) {
        Objects.requireNonNull(fallback, "fallback");
        return find(name).orElse(fallback);
    }

    /**
     * The current version of {@code name} with where it came from. For unversioned sources the version is
     * empty.
     *
     * @throws SecretNotFoundException when no source has it
     */
    public Versioned current(String name) {
        Answer a = resolve(name).orElseThrow(() -> new SecretNotFoundException(name, sourceNames()));
        return versioned(name, a.value(), a.source());
    }

    /**
     * The previous version of {@code name}, for accepting both during a rotation's overlap window. Empty when
     * the answering source is not versioned or has no live older version.
     */
    public Optional<Versioned> previous(String name) {
        Answer a = resolve(name).orElseThrow(() -> new SecretNotFoundException(name, sourceNames()));
        if (!(a.source() instanceof VersionedSecretSource vs)) {
            return Optional.empty();
        }
        Optional<SourceValue> prev = vs.previous(name);
        prev.ifPresent(p -> redactor.add(p.secret()));
        return prev.map(p -> versioned(name, p, a.source()));
    }

    /**
     * True when {@code candidate} equals the current or the previous version of {@code name} (constant-time
     * comparisons). The usual check for an incoming credential during rotation.
     */
    public boolean matchesCurrentOrPrevious(String name, char[] candidate) {
        Objects.requireNonNull(candidate, "candidate");
        boolean current = current(name).secret().matches(candidate);
        boolean previous = previous(name).map(v -> v.secret().matches(candidate)).orElse(false);
        return current | previous;
    }

    private static Versioned versioned(String name, SourceValue v, SecretSource s) {
        return new Versioned(name, v.secret(), v.version(), s.name(), v.location());
    }

    /**
     * Says which source answers {@code name} and which were asked before it, without the value. Does not use
     * or fill the cache. Example:
     * <pre>
     * DB_PASSWORD: found in dotenv (.env.local:3)
     *   1. environment  not set
     *   2. dotenv       found (.env.local:3)
     *   3. file         not asked
     * </pre>
     */
    public String explain(String name) {
        checkName(name);
        checkOpen();
        StringBuilder lines = new StringBuilder();
        String verdict = null;
        int width = sources.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        for (int i = 0; i < sources.size(); i++) {
            SecretSource s = sources.get(i);
            String status;
            if (verdict != null) {
                status = "not asked";
            } else {
                try {
                    Optional<SourceValue> v = s.lookup(name);
                    if (v.isPresent()) {
                        String extra = v.get().secret().isEmpty() ? ", value is empty" : "";
                        status = "found (" + v.get().location() + extra + ")";
                        verdict = "found in " + s.name() + " (" + v.get().location() + extra + ")";
                    } else {
                        status = "not set";
                    }
                } catch (SecretsException e) {
                    status = "failed: " + redactor.redact(e.getMessage());
                    verdict = "lookup failed in " + s.name();
                } catch (RuntimeException e) {
                    status = "failed: " + e.getClass().getSimpleName();
                    verdict = "lookup failed in " + s.name();
                }
            }
            lines.append("\n  ").append(i + 1).append(". ")
                    .append(String.format("%-" + Math.max(1, width) + "s", s.name())).append("  ").append(status);
        }
        if (verdict == null) {
            verdict = sources.isEmpty() ? "no sources configured" : "not found in any source";
        }
        return name + ": " + verdict + lines;
    }

    /**
     * Checks every name declared with {@link Builder#require} or read from the example file; returns
     * normally when each has a non-empty, non-placeholder value.
     *
     * @throws ValidationException listing every problem at once, by name only
     */
    public void validate() {
        requireAll(required);
    }

    /** Like {@link #validate()} for the given names. */
    public void requireAll(String... names) {
        requireAll(List.of(names));
    }

    /** Like {@link #validate()} for the given names. */
    public void requireAll(List<String> names) {
        List<ValidationException.Problem> problems = new ArrayList<>();
        for (String n : new LinkedHashSet<>(names)) {
            try {
                Optional<Answer> a = resolve(n);
                if (a.isEmpty()) {
                    problems.add(new ValidationException.Problem(n, ValidationException.Reason.MISSING,
                            "tried " + String.join(", ", sourceNames())));
                    continue;
                }
                Secret s = a.get().value().secret();
                String from = "from " + a.get().source().name() + ": " + a.get().value().location();
                if (s.isBlank()) {
                    problems.add(new ValidationException.Problem(n, ValidationException.Reason.EMPTY, from));
                } else if (Placeholders.isPlaceholder(s)) {
                    problems.add(new ValidationException.Problem(n, ValidationException.Reason.PLACEHOLDER, from));
                }
            } catch (SecretsException e) {
                problems.add(new ValidationException.Problem(n, ValidationException.Reason.SOURCE_FAILED,
                        redactor.redact(e.getMessage())));
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException(problems);
        }
    }

    /** The names that {@link #validate()} checks. */
    public List<String> requiredNames() {
        return required;
    }

    /** Names of the sources in chain order. */
    public List<String> sourceNames() {
        return sources.stream().map(SecretSource::name).toList();
    }

    /** Drops every cached value (here and in the sources) so the next lookups read fresh values. */
    public void refresh() {
        cache.clear();
        for (SecretSource s : sources) {
            s.refresh();
        }
    }

    /** Drops the cached value of one name. */
    public void refresh(String name) {
        cache.remove(name);
    }

    private Optional<Answer> resolve(String name) {
        checkName(name);
        checkOpen();
        long now = nanoTime.getAsLong();
        Cached c = cache.get(name);
        if (c != null && now - c.loadedAtNanos() < cacheTtl.toNanos()) {
            return Optional.of(new Answer(c.value(), c.source()));
        }
        for (SecretSource s : sources) {
            Optional<SourceValue> v;
            try {
                v = s.lookup(name);
            } catch (SourceUnavailableException | SealedException outage) {
                if (c != null && c.source() == s && now - c.loadedAtNanos() < cacheTtl.toNanos() + staleGrace.toNanos()) {
                    System.getLogger(SecretsManager.class.getName()).log(System.Logger.Level.WARNING,
                            "keyhaven: serving the cached value of {0} past its TTL: {1}", name,
                            redactor.redact(outage.getMessage()));
                    return Optional.of(new Answer(c.value(), c.source()));
                }
                throw outage;
            }
            if (v.isPresent()) {
                redactor.add(v.get().secret());
                if (!cacheTtl.isZero()) {
                    cache.put(name, new Cached(v.get(), s, now));
                }
                return Optional.of(new Answer(v.get(), s));
            }
        }
        cache.remove(name);
        return Optional.empty();
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("secret name is empty");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this SecretsManager is closed");
        }
    }

    /** Closes every source (stopping token renewal) and drops cached values. */
    @Override
    public void close() {
        closed = true;
        cache.clear();
        for (SecretSource s : sources) {
            try {
                s.close();
            } catch (RuntimeException e) {
                System.getLogger(SecretsManager.class.getName()).log(System.Logger.Level.WARNING,
                        "keyhaven: closing source {0} failed: {1}", s.name(), e.getClass().getSimpleName());
            }
        }
    }

    @Override
    public String toString() {
        return "SecretsManager" + sourceNames();
    }

    /** Configures a {@link SecretsManager}. */
    public static final class Builder {
        private final List<SecretSource> sources = new ArrayList<>();
        private final List<String> required = new ArrayList<>();
        private final List<Path> exampleFiles = new ArrayList<>();
        private boolean findExampleFile;
        private boolean defaultChain;
        private Map<String, String> environment;
        private Path directory;
        private Duration cacheTtl = Duration.ofMinutes(5);
        private Duration staleGrace = Duration.ZERO;
        private Redactor redactor = Redactor.global();
        private LongSupplier nanoTime = System::nanoTime;

        private Builder() {
        }

        /**
         * When refreshing an expired value fails because its source is unreachable or sealed, keep serving the
         * cached value for up to {@code grace} past its TTL (a warning is logged each time). Default
         * {@code Duration.ZERO}: an outage is an error once the TTL has passed. Values never loaded are never
         * served from nowhere, and a denial (403) is never masked.
         */
        public Builder serveStaleDuringOutage(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace is negative");
            }
            this.staleGrace = grace;
            return this;
        }

        /**
         * Puts the default chain first: environment, dotenv files, {@code NAME_FILE}//run/secrets, and a
         * server when {@code KEYHAVEN_ADDR} (or {@code VAULT_ADDR}) and {@code KEYHAVEN_PATHS} (comma-separated
         * KV v2 paths; mount from {@code KEYHAVEN_MOUNT}, default {@code secret}) are set. Sources added with
         * {@link #source} come after it.
         */
        public Builder defaultChain() {
            this.defaultChain = true;
            return this;
        }

        /** Appends a source to the chain. */
        public Builder source(SecretSource source) {
            Objects.requireNonNull(source, "source");
            if (sources.stream().anyMatch(s -> s.name().equals(source.name()))) {
                throw new IllegalArgumentException("two sources are named '" + source.name() + "'; give each a distinct name");
            }
            sources.add(source);
            return this;
        }

        /** The environment for the default chain (variables, {@code NAME_FILE}, server settings). Default: the process's. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** Directory holding the dotenv and example files. Default: the working directory. */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Declares names that {@link SecretsManager#validate()} requires. */
        public Builder require(String... names) {
            for (String n : names) {
                checkName(n);
                required.add(n);
            }
            return this;
        }

        /** Requires every key of {@code .env.example} (or, if absent, {@code env.example}) in the directory. */
        public Builder requireFromExampleFile() {
            this.findExampleFile = true;
            return this;
        }

        /** Requires every key of the given example file. */
        public Builder requireFromExampleFile(Path file) {
            exampleFiles.add(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** How long an answer is reused; {@code Duration.ZERO} asks the sources every time. Default 5 minutes. */
        public Builder cacheTtl(Duration ttl) {
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("cache TTL is negative");
            }
            this.cacheTtl = ttl;
            return this;
        }

        /** Where loaded values are registered for log masking. Default: {@link Redactor#global()}. */
        public Builder redactor(Redactor redactor) {
            this.redactor = Objects.requireNonNull(redactor, "redactor");
            return this;
        }

        Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            return this;
        }

        /**
         * Builds the manager. Nothing is read from sources yet (files and servers are read on first lookup);
         * example files are read now.
         *
         * @throws IllegalStateException when the chain is empty, an example file is missing or invalid, or the
         *                               server settings in the environment are incomplete
         */
        public SecretsManager build() {
            Map<String, String> env = environment != null ? environment : System.getenv();
            Path dir = directory != null ? directory : Path.of("").toAbsolutePath();
            List<SecretSource> chain = new ArrayList<>();
            if (defaultChain) {
                chain.add(EnvironmentSource.of(env));
                chain.add(DotenvSource.defaults(dir, env));
                chain.add(FileSecretSource.defaults(env));
                serverFromEnvironment(env).ifPresent(chain::add);
            }
            Set<String> names = new HashSet<>();
            chain.forEach(s -> names.add(s.name()));
            for (SecretSource s : sources) {
                if (!names.add(s.name())) {
                    throw new IllegalStateException("two sources are named '" + s.name() + "'; give each a distinct name");
                }
                chain.add(s);
            }
            if (chain.isEmpty()) {
                throw new IllegalStateException("no sources: call defaultChain() and/or source(...)");
            }
            List<String> req = new ArrayList<>(required);
            if (findExampleFile) {
                Path found = null;
                for (String candidate : List.of(".env.example", "env.example")) {
                    if (Files.isRegularFile(dir.resolve(candidate))) {
                        found = dir.resolve(candidate);
                        break;
                    }
                }
                if (found == null) {
                    throw new IllegalStateException("requireFromExampleFile(): neither .env.example nor env.example exists in " + dir);
                }
                req.addAll(exampleKeys(found));
            }
            for (Path p : exampleFiles) {
                req.addAll(exampleKeys(p));
            }
            return new SecretsManager(chain, List.copyOf(new LinkedHashSet<>(req)), cacheTtl, staleGrace, redactor, nanoTime);
        }

        private static List<String> exampleKeys(Path file) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read example file " + file + " (" + e.getClass().getSimpleName() + ")");
            }
            try {
                return DotenvParser.literal().parse(text, file.toString()).stream().map(DotenvEntry::key).toList();
            } catch (DotenvSyntaxException e) {
                throw new IllegalStateException(e.getMessage());
            }
        }

        private Optional<SecretSource> serverFromEnvironment(Map<String, String> env) {
            String addr = first(env, "KEYHAVEN_ADDR", "VAULT_ADDR");
            String paths = env.get("KEYHAVEN_PATHS");
            if (addr == null || paths == null || paths.isBlank()) {
                return Optional.empty();
            }
            String sourceName = first(env, "KEYHAVEN_ADDR") != null ? "keyhaven" : "vault";
            VaultKvSource.Builder b = VaultKvSource.builder().name(sourceName).environment(env).redactor(redactor);
            String home = env.get("HOME");
            if (home != null && !home.isBlank()) {
                b.homeDirectory(Path.of(home));
            }
            String mount = env.get("KEYHAVEN_MOUNT");
            if (mount != null && !mount.isBlank()) {
                b.mount(mount);
            }
            for (String p : paths.split(",")) {
                if (!p.isBlank()) {
                    b.path(p.strip());
                }
            }
            return Optional.of(b.build());
        }

        private static String first(Map<String, String> env, String... vars) {
            for (String v : vars) {
                String s = env.get(v);
                if (s != null && !s.isBlank()) {
                    return s;
                }
            }
            return null;
        }
    }
}
