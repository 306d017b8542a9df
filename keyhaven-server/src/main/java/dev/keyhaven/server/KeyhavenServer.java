package dev.keyhaven.server;

import dev.keyhaven.core.CoreExtension;
import dev.keyhaven.core.Keyhaven;
import dev.keyhaven.core.alerts.Observability;
import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.approle.AppRoleFactory;
import dev.keyhaven.core.auth.jwt.JwtAuthFactory;
import dev.keyhaven.core.auth.login.LoginEvents;
import dev.keyhaven.core.auth.login.Slf4jLoginEvents;
import dev.keyhaven.core.auth.login.SysAuthEndpoints;
import dev.keyhaven.core.auth.login.TokenIssuer;
import dev.keyhaven.core.auth.policy.PolicyEndpoints;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.EngineFactory;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.metrics.Telemetry;
import dev.keyhaven.core.storage.PrefixedStorage;
import dev.keyhaven.core.storage.StorageException;
import dev.keyhaven.core.storage.cache.CachingStorage;
import dev.keyhaven.core.storage.sqlite.SqliteStorage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires a running server: config → storage → core (+ extensions found by {@link ServiceLoader}) → auto-unseal /
 * dev setup → HTTP listeners. Every startup problem is a one-line {@link StartupException}.
 */
public final class KeyhavenServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyhavenServer.class);
    static final String DEV_KEY_FILE = "dev-unseal.key";
    static final String DEV_STORE_FILE = "keyhaven.db";

    private final Keyhaven core;
    private final Observability observability;
    private final HttpServer http;
    private final ServerConfig config;
    private final Optional<Path> tempDir;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    private KeyhavenServer(Keyhaven core, HttpServer http, ServerConfig config, Optional<Path> tempDir, Observability observability) {
        this.observability = observability;
        this.core = core;
        this.http = http;
        this.config = config;
        this.tempDir = tempDir;
    }

    public Keyhaven core() {
        return core;
    }

    public ServerConfig config() {
        return config;
    }

    public List<InetSocketAddress> addresses() {
        return http.boundAddresses();
    }

    /** The first listener's base URL, e.g. {@code http://127.0.0.1:8200}. */
    public String url() {
        InetSocketAddress a = addresses().get(0);
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        return (config.listeners().get(0).tlsDisable() ? "http" : "https") + "://" + host + ":" + a.getPort();
    }

    /**
     * Starts a server. {@code out} receives the banner (and, in dev mode, the unseal key and root token);
     * {@code logLevel} is told the configured level (the CLI maps it onto Logback).
     */
    public static KeyhavenServer start(ServerOptions opts, PrintStream out, Consumer<String> logLevel) {
        opts.validate();
        Optional<Path> tempDir = Optional.empty();
        ServerConfig config;
        Path devDir = null;
        if (opts.dev()) {
            if (opts.devDataDir().isPresent()) {
                devDir = opts.devDataDir().get().toAbsolutePath();
            } else {
                try {
                    devDir = Files.createTempDirectory("keyhaven-dev-");
                } catch (IOException e) {
                    throw new StartupException("cannot create a temporary directory for the dev store: " + e.getMessage());
                }
                tempDir = Optional.of(devDir);
            }
            String addr = opts.devListenAddress().orElse("127.0.0.1:8200");
            String hcl = "storage \"sqlite\" { path = \"" + hclEscape(devDir.resolve(DEV_STORE_FILE).toString()) + "\" }\n"
                    + "listener \"tcp\" {\n  address = \"" + hclEscape(addr) + "\"\n  tls_disable = true\n}\n"
                    + "seal \"file\" { path = \"" + hclEscape(devDir.resolve(DEV_KEY_FILE).toString()) + "\" }\n";
            try {
                config = ServerConfig.parse("-dev", hcl, devDir);
            } catch (ServerConfig.ConfigException e) {
                deleteTree(tempDir);
                String msg = e.getMessage();
                if (msg.contains("\"address\"")) msg = "invalid -dev-listen-address \"" + addr + "\" (expected host:port, e.g. 127.0.0.1:8200)";
                throw new StartupException(msg);
            }
        } else {
            try {
                config = ServerConfig.load(opts.config().get());
            } catch (ServerConfig.ConfigException e) {
                throw new StartupException(e.getMessage());
            }
        }
        logLevel.accept(config.logLevel());

        SqliteStorage storage;
        try {
            storage = SqliteStorage.open(config.storage().path());
        } catch (StorageException e) {
            deleteTree(tempDir);
            throw new StartupException("storage \"sqlite\": " + e.getMessage());
        }

        Keyhaven core = null;
        HttpServer http = null;
        Observability observability = null;
        try {
            // Tokens and ACL policies: token engine at auth/token/, policy endpoints under sys/
            DefaultAuthService auth = new DefaultAuthService();
            // The SQLite file is locked by this process, so a read cache of its (ciphertext) values is safe.
            Keyhaven.Builder b = Keyhaven.builder(new CachingStorage(storage, 50_000, 64 * 1024)).clusterName(config.clusterName()).storageType("sqlite")
                    .auditRetention(config.auditRetention().orElse(null))
                    .authService(auth)
                    .engineFactory(new EngineFactory() {
                        @Override
                        public String type() {
                            return "token";
                        }

                        @Override
                        public Engine create(EngineContext context) {
                            return auth.tokenEngine();
                        }
                    })
                    .defaultMount("auth/token/", "token", Map.of());
            // CI and service login methods (sys/auth types jwt, oidc, approle); login attempts go to the keyhaven.login logger.
            // ... and to telemetry (auth-failure metrics, brute-force alerts)
            Telemetry telemetry = new Telemetry(java.time.Clock.systemUTC());
            b.telemetry(telemetry);
            LoginEvents loginEvents = new Slf4jLoginEvents().and(telemetry);
            b.engineFactory(JwtAuthFactory.jwt(TokenIssuer.of(auth), loginEvents))
                    .engineFactory(JwtAuthFactory.oidc(TokenIssuer.of(auth), loginEvents))
                    .engineFactory(new AppRoleFactory(TokenIssuer.of(auth), loginEvents));
            List<CoreExtension> extensions = new ArrayList<>();
            ServiceLoader.load(CoreExtension.class).forEach(extensions::add);
            ServiceLoader.load(EngineFactory.class).forEach(b::engineFactory);
            for (CoreExtension ext : extensions) ext.configure(b);
            core = b.build();
            for (String prefix : PolicyEndpoints.PREFIXES) core.system().register(prefix, auth.policyEndpoints());
            core.system().register("auth", new SysAuthEndpoints(core, Set.of("jwt", "oidc", "approle")));
            // sys/metrics, sys/alerts and the alert engine (records in the barrier under core/observability/)
            observability = Observability.install(core.telemetry(), core.system()::register,
                    new PrefixedStorage(core.barrier(), Observability.STORAGE_PREFIX), core.clock(), config.telemetry());
            for (CoreExtension ext : extensions) ext.started(core);

            // bind first: a port in use fails before anything is initialized or unsealed
            http = new HttpServer(core, config.listeners(), 64, 1024);
            http.start();

            Optional<String> unsealKeyShown = Optional.empty();
            Optional<String> rootToken = Optional.empty();
            if (config.sealKeyFile().isPresent()) {
                AutoUnseal au = autoUnseal(core, config.sealKeyFile().get(), opts);
                unsealKeyShown = au.newKey;
                rootToken = au.rootToken;
            }
            if (config.ui()) log.warn("ui = true: Keyhaven has no web UI; the setting is ignored");
            KeyhavenServer server = new KeyhavenServer(core, http, config, tempDir, observability);
            server.printBanner(out, opts, unsealKeyShown, rootToken);
            return server;
        } catch (RuntimeException e) {
            if (http != null) http.close();
            if (observability != null) observability.close();
            if (core != null) core.close();
            else storage.close();
            deleteTree(tempDir);
            if (e instanceof StartupException) throw e;
            if (e instanceof KeyhavenException ke) throw new StartupException(ke.getMessage());
            throw e;
        }
    }

    private record AutoUnseal(Optional<String> newKey, Optional<String> rootToken) {}

    private static AutoUnseal autoUnseal(Keyhaven core, Path keyFile, ServerOptions opts) {
        Optional<String> newKey = Optional.empty();
        Optional<String> rootToken = Optional.empty();
        if (!core.isInitialized()) {
            if (Files.exists(keyFile)) {
                throw new StartupException("seal \"file\": key file " + keyFile + " exists but the store is not initialized; "
                        + "remove the key file or point storage at the store it belongs to");
            }
            Keyhaven.InitResult init = core.initialize(1, 1, opts.dev() ? opts.devRootTokenId() : Optional.empty());
            String share = init.keysBase64().get(0);
            writeKeyFile(keyFile, share);
            newKey = Optional.of(share);
            rootToken = Optional.of(init.rootToken());
            core.submitUnsealShare(Base64.getDecoder().decode(share));
            if (opts.dev()) core.mount("secret/", "kv-v2", "key/value secret storage", Map.of());
        } else {
            if (!Files.exists(keyFile)) {
                throw new StartupException("seal \"file\": the store is initialized but the key file " + keyFile + " does not exist");
            }
            String text;
            try {
                text = Files.readString(keyFile, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new StartupException("seal \"file\": cannot read key file " + keyFile + ": " + e.getClass().getSimpleName());
            }
            byte[] share;
            try {
                share = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new StartupException("seal \"file\": key file " + keyFile + " does not contain a base64 unseal key");
            }
            if (core.sealConfig().map(c -> c.threshold() != 1).orElse(false)) {
                throw new StartupException("seal \"file\": this store was initialized with a threshold of " + core.sealConfig().get().threshold()
                        + " unseal keys; a key file can only unseal a store initialized with one key");
            }
            try {
                core.submitUnsealShare(share);
            } catch (KeyhavenException e) {
                core.resetUnsealProgress();
                throw new StartupException("seal \"file\": key file " + keyFile + " does not unseal this store");
            }
            if (opts.dev()) rootToken = Optional.of(devRootToken(core, opts.devRootTokenId()));
        }
        return new AutoUnseal(newKey, rootToken);
    }

    /**
     * Dev restart on a kept data dir: a requested root token that already exists (from the first start) is reused,
     * after checking that it really authenticates as root; otherwise a new one is created.
     */
    private static String devRootToken(Keyhaven core, Optional<String> id) {
        try {
            return core.createRootToken(id);
        } catch (KeyhavenException e) {
            if (id.isPresent() && e.code() == dev.keyhaven.core.logical.ErrorCode.BAD_REQUEST) {
                Request probe = Request.builder(Operation.READ, "sys/mounts").clientToken(id.get()).build();
                try {
                    core.handle(probe);
                    return id.get();
                } catch (KeyhavenException denied) {
                    throw new StartupException("-dev-root-token-id: " + e.getMessage());
                }
            }
            throw e;
        }
    }

    private static void writeKeyFile(Path keyFile, String share) {
        try {
            Path parent = keyFile.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            try {
                Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(keyFile);
            }
            Files.writeString(keyFile, share + "\n", StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (FileAlreadyExistsException e) {
            throw new StartupException("seal \"file\": key file " + keyFile + " already exists");
        } catch (IOException e) {
            throw new StartupException("seal \"file\": cannot write key file " + keyFile + ": " + e.getClass().getSimpleName());
        }
    }

    private void printBanner(PrintStream out, ServerOptions opts, Optional<String> newKey, Optional<String> rootToken) {
        StringBuilder sb = new StringBuilder();
        sb.append("==> Keyhaven server started").append(opts.dev() ? " in development mode (do not use in production)" : "").append('\n');
        sb.append("    Version: ").append(Keyhaven.VERSION).append('\n');
        for (InetSocketAddress a : addresses()) sb.append("    Listening on: ").append(urlOf(a)).append('\n');
        sb.append("    Storage: sqlite (").append(config.storage().path()).append(")\n");
        sb.append("    Sealed: ").append(core.isSealed()).append(core.isInitialized() ? "" : " (not initialized: PUT /v1/sys/init)").append('\n');
        if (newKey.isPresent() && !opts.dev()) {
            sb.append("\nThe store was initialized with a single unseal key written to ").append(config.sealKeyFile().get()).append(".\n");
        }
        if (rootToken.isPresent()) {
            sb.append('\n');
            if (opts.dev() && newKey.isPresent()) sb.append("Unseal Key: ").append(newKey.get()).append('\n');
            sb.append("Root Token: ").append(rootToken.get()).append('\n');
            if (!opts.dev()) sb.append("Store the root token now: it is not shown again.\n");
        }
        if (opts.dev()) {
            sb.append("\nThe server is initialized, unsealed, and has a key/value engine at secret/.\n");
            sb.append("To use it from a shell:\n\n");
            sb.append("    export VAULT_ADDR='").append(url()).append("'\n");
            rootToken.ifPresent(t -> sb.append("    export VAULT_TOKEN='").append(t).append("'\n"));
            sb.append('\n');
        }
        out.print(sb);
        out.flush();
    }

    private String urlOf(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        return (config.listeners().get(0).tlsDisable() ? "http" : "https") + "://" + host + ":" + a.getPort();
    }

    /** Stops gracefully: in-flight requests finish, then the store is closed. Idempotent. */
    public void stop() {
        if (stopping) {
            awaitStopped();
            return;
        }
        stopping = true;
        try {
            log.info("shutting down");
            http.stop(Duration.ofSeconds(30));
            observability.close();
            core.close();
            deleteTree(tempDir);
            log.info("stopped");
        } finally {
            stopped.countDown();
        }
    }

    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Stops the server on SIGTERM/SIGINT; reopens audit files on SIGHUP (for logrotate). */
    public void installShutdownHook() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "keyhaven-shutdown"));
        if (!dev.keyhaven.core.audit.AuditSignals.installSighupHandler()) {
            log.warn("SIGHUP handling is not available on this JVM: audit files are not reopened on SIGHUP");
        }
    }

    private static String hclEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void deleteTree(Optional<Path> dir) {
        if (dir.isEmpty() || !Files.exists(dir.get())) return;
        try (Stream<Path> walk = Files.walk(dir.get())) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort for a temp dir
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
