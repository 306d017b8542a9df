package dev.keyhaven.core;

import dev.keyhaven.core.audit.AuditAuth;
import dev.keyhaven.core.audit.AuditBroker;
import dev.keyhaven.core.audit.AuditEngine;
import dev.keyhaven.core.audit.AuditEvent;
import dev.keyhaven.core.auth.AuthService;
import dev.keyhaven.core.auth.PathTraits;
import dev.keyhaven.core.auth.RootTokenAuthService;
import dev.keyhaven.core.barrier.AesGcmBarrier;
import dev.keyhaven.core.barrier.InvalidRootKeyException;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.EngineFactory;
import dev.keyhaven.core.engine.PathMatcher;
import dev.keyhaven.core.engine.kv.KvEngineFactory;
import dev.keyhaven.core.engine.kv.KvV1Engine;
import dev.keyhaven.core.engine.sys.SystemBackend;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.metrics.Telemetry;
import dev.keyhaven.core.router.MountEntry;
import dev.keyhaven.core.router.Router;
import dev.keyhaven.core.seal.SealConfig;
import dev.keyhaven.core.seal.Shamir;
import dev.keyhaven.core.seal.UnsealProgress;
import dev.keyhaven.core.storage.PrefixedStorage;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.util.Json;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core: physical storage, seal state, barrier, mount table and router, and the request flow
 * {@code sealed check → route → authorize → engine}. The HTTP edge calls {@link #handle(Request)} and nothing else
 * for requests; the server's startup calls the lifecycle methods (initialize, unseal, seal, close).
 *
 * <p>Locking: requests run under the read side of the state lock; sealing and unsealing take the write side, so a
 * seal waits for in-flight requests and no request sees a half-unsealed core.
 */
public final class Keyhaven implements AutoCloseable {
    /** Paths answered while sealed (and before initialization). */
    public static final Set<String> SEAL_EXEMPT = Set.of("sys/health", "sys/seal-status", "sys/init", "sys/unseal", "sys/leader");
    public static final String MOUNTS_PATH = "core/mounts";
    public static final String CLUSTER_PATH = "core/cluster";
    public static final String VERSION = versionString();

    private static final Logger log = LoggerFactory.getLogger(Keyhaven.class);
    private static final int ROOT_KEY_BYTES = 32;

    private final Storage physical;
    private final AesGcmBarrier barrier;
    private final Clock clock;
    private final AuthService authService;
    private final Telemetry telemetry;
    private final Map<String, EngineFactory> factories = new ConcurrentHashMap<>();
    private final List<MountEntry> defaultMounts;
    private final dev.keyhaven.core.audit.AuditRetention auditRetention;
    private final Router router = new Router();
    private final SystemBackend system;
    private final MountEntry sysEntry = new MountEntry("sys/", "system", "00000000-0000-0000-0000-000000000000", "system_00000000", "system endpoints", Map.of());
    private final ReentrantReadWriteLock stateLock = new ReentrantReadWriteLock(true);
    private final ReentrantLock unsealLock = new ReentrantLock();
    private final UnsealProgress progress = new UnsealProgress();
    private final String configuredClusterName;
    private final String storageType;
    private final SecureRandom random = new SecureRandom();
    private volatile SealConfig sealConfig;
    private volatile String clusterName = "";
    private volatile String clusterId = "";
    private volatile boolean closed;
    /** Audit broker: lives from unseal to seal (its state is behind the barrier); null while sealed. */
    private volatile AuditBroker audit;

    private Keyhaven(Builder b) {
        this.physical = Objects.requireNonNull(b.physical, "physical storage");
        this.clock = b.clock;
        this.barrier = new AesGcmBarrier(physical, clock);
        this.authService = b.authService;
        this.telemetry = b.telemetry != null ? b.telemetry : new Telemetry(b.clock);
        this.authService.addListener(telemetry);
        this.authService.loginRenewals(mountPath -> router.find(mountPath).map(Router.Mount::engine)
                .filter(dev.keyhaven.core.auth.login.LoginRenewal.class::isInstance).map(dev.keyhaven.core.auth.login.LoginRenewal.class::cast));
        this.configuredClusterName = b.clusterName;
        this.storageType = b.storageType;
        this.defaultMounts = List.copyOf(b.defaultMounts);
        this.auditRetention = b.auditRetention;
        factories.put(KvEngineFactory.TYPE, new KvEngineFactory(ctx -> new KvV1Engine(ctx.storage())));
        for (EngineFactory f : b.factories) factories.put(f.type(), f);
        this.system = new SystemBackend(this);
        AuditEngine auditEngine = new AuditEngine(() -> audit);
        for (String prefix : AuditEngine.PREFIXES) system.register(prefix, auditEngine);
        this.sealConfig = physical.get(AesGcmBarrier.SEAL_CONFIG_PATH).map(SealConfig::fromJson).orElse(null);
    }

    public static Builder builder(Storage physical) {
        return new Builder(physical);
    }

    /** Options of the core. */
    public static final class Builder {
        private final Storage physical;
        private Clock clock = Clock.systemUTC();
        private AuthService authService = new RootTokenAuthService();
        private Telemetry telemetry;
        private final List<EngineFactory> factories = new ArrayList<>();
        private final List<MountEntry> defaultMounts = new ArrayList<>();
        private String clusterName = "";
        private String storageType = "sqlite";
        private dev.keyhaven.core.audit.AuditRetention auditRetention;

        private Builder(Storage physical) {
            this.physical = physical;
        }

        public Builder clock(Clock clock) { this.clock = clock; return this; }
        public Builder authService(AuthService a) { this.authService = a; return this; }
        /** Metrics and alert events of the request flow (default: a fresh {@link Telemetry} on the core's clock). */
        public Builder telemetry(Telemetry t) { this.telemetry = t; return this; }
        /** Registers (or replaces) an engine type; {@code kv} (versions 1 and 2) is built in. */
        public Builder engineFactory(EngineFactory f) { this.factories.add(f); return this; }
        /** A mount created on unseal when missing (e.g. {@code auth/token/} of type {@code token}). */
        public Builder defaultMount(String path, String type, Map<String, String> options) {
            this.defaultMounts.add(new MountEntry(path, type, "", "", "", options));
            return this;
        }
        /** Scheduled pruning of the audit store device (server config {@code audit_retention}); re-armed on every unseal. */
        public Builder auditRetention(dev.keyhaven.core.audit.AuditRetention r) { this.auditRetention = r; return this; }
        public Builder clusterName(String name) { this.clusterName = name == null ? "" : name; return this; }
        public Builder storageType(String type) { this.storageType = type; return this; }
        public Keyhaven build() { return new Keyhaven(this); }
    }

    // ------------------------------------------------------------------ state

    public boolean isInitialized() {
        return sealConfig != null;
    }

    public boolean isSealed() {
        return barrier.isSealed();
    }

    public Optional<SealConfig> sealConfig() {
        return Optional.ofNullable(sealConfig);
    }

    public AesGcmBarrier barrier() {
        return barrier;
    }

    public Router router() {
        return router;
    }

    /** The audit broker while unsealed. */
    public Optional<AuditBroker> audit() {
        return Optional.ofNullable(audit);
    }

    /**
     * authorize → audit the request → engine → audit the response, failing closed: if no enabled audit device
     * accepts an entry the broker throws 503 and nothing of the response leaves. Refused requests are audited too
     * (request and response entries with Vault's {@code error}).
     */
    private Response audited(Request req, Engine engine) {
        AuditBroker a = audit;
        try {
            authService.authorize(req, traits(engine, req));
        } catch (KeyhavenException e) {
            if (a != null && a.hasDevices()) {
                AuditEvent ev = AuditEvent.of(req, auditAuth(req));
                a.logRequest(ev, e);
                a.logResponse(ev, e);
            }
            throw e;
        }
        if (a == null || !a.hasDevices()) return engine.handle(req);
        AuditEvent ev = AuditEvent.of(req, auditAuth(req));
        // A read or list changes nothing, so its request entry may be written with its response entry (one wait
        // instead of two); nothing leaves before both are in the log. Anything else is logged before it runs.
        if (req.operation() == Operation.READ || req.operation() == Operation.LIST) a.deferRequest(ev);
        else a.logRequest(ev);
        Response resp;
        try {
            resp = engine.handle(req);
        } catch (KeyhavenException e) {
            a.logResponse(ev, e);
            throw e;
        } catch (RuntimeException e) {
            a.logResponse(ev, new KeyhavenException(ErrorCode.INTERNAL, "internal error"));
            throw e;
        }
        if (req.asyncAuditAllowed()) {
            // the edge sends the response once the entries are written (or a 503 if they cannot be): no waiting here
            dev.keyhaven.core.logical.AuditGate gate = new dev.keyhaven.core.logical.AuditGate();
            req.auditGate(gate);
            a.logResponseAsync(ev, resp, req.auditWriteOn(), gate::complete);
            return resp;
        }
        a.logResponse(ev, resp);
        return resp;
    }

    /** The audit view of whatever token entry the auth service attached (typed entry or JSON map). */
    @SuppressWarnings("unchecked")
    private static AuditAuth auditAuth(Request req) {
        String token = req.clientToken().orElse("");
        Optional<Map> m = req.auth(Map.class);
        if (m.isPresent()) {
            Map<String, Object> e = m.get();
            Object pol = e.get("policies");
            Object meta = e.get("meta");
            Map<String, String> md = new LinkedHashMap<>();
            if (meta instanceof Map<?, ?> mm) mm.forEach((k, v) -> md.put(String.valueOf(k), String.valueOf(v)));
            return new AuditAuth(token, str(e.get("accessor")), str(e.get("display_name")),
                    pol instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(), md, str(e.get("entity_id")), str(e.get("type")));
        }
        return req.auth(dev.keyhaven.core.auth.token.TokenEntry.class)
                .map(t -> new AuditAuth(token, t.accessor(), t.displayName(), t.policies(), t.meta(), t.entityId(), "service"))
                .orElseGet(() -> AuditAuth.tokenOnly(token));
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    public SystemBackend system() {
        return system;
    }

    /** Where the request flow reports requests and auth failures (metrics at sys/metrics, alerts). */
    public Telemetry telemetry() {
        return telemetry;
    }

    public Clock clock() {
        return clock;
    }

    public String storageType() {
        return storageType;
    }

    /** The cluster name, once known (after the first unseal). */
    public String clusterName() {
        return clusterName;
    }

    public String clusterId() {
        return clusterId;
    }

    /** Whether the request's token (attached on an unauthenticated path) may use the mount at {@code mountPath}. */
    public boolean hasMountAccess(Request request, String mountPath) {
        return authService.hasMountAccess(request, mountPath);
    }

    public boolean hasEngineType(String type) {
        return factories.containsKey(type);
    }

    /** The result of {@link #initialize}: shown once, never stored. {@code toString} is redacted. */
    public record InitResult(List<byte[]> shares, String rootToken) {
        public List<String> keysHex() {
            List<String> out = new ArrayList<>();
            for (byte[] s : shares) out.add(HexFormat.of().formatHex(s));
            return out;
        }

        public List<String> keysBase64() {
            List<String> out = new ArrayList<>();
            for (byte[] s : shares) out.add(Base64.getEncoder().encodeToString(s));
            return out;
        }

        @Override
        public String toString() {
            return "InitResult[" + shares.size() + " shares, root token <redacted>]";
        }
    }

    /**
     * Initializes a new store: makes a random root key, splits it into {@code shares} shares with threshold
     * {@code threshold}, creates the keyring under it, creates a root token and the default mounts, and leaves the
     * core sealed (as Vault does).
     */
    public InitResult initialize(int shares, int threshold, Optional<String> rootTokenId) {
        if (shares < 1 || shares > Shamir.MAX_SHARES) throw KeyhavenException.badRequest("secret_shares must be between 1 and " + Shamir.MAX_SHARES);
        if (threshold < 1 || threshold > shares) throw KeyhavenException.badRequest("secret_threshold must be between 1 and secret_shares (" + shares + ")");
        unsealLock.lock();
        stateLock.writeLock().lock();
        try {
            if (isInitialized() || physical.get(AesGcmBarrier.KEYRING_PATH).isPresent()) {
                throw KeyhavenException.badRequest("Keyhaven is already initialized");
            }
            byte[] rootKey = new byte[ROOT_KEY_BYTES];
            random.nextBytes(rootKey);
            try {
                List<byte[]> split = Shamir.split(rootKey, shares, threshold);
                SealConfig cfg = new SealConfig(SealConfig.SHAMIR, shares, threshold);
                byte[] keyring = barrier.createKeyring(rootKey);
                // keyring and seal config land together: a crash leaves either an initialized store or an empty one
                physical.batch(List.of(StorageOp.put(AesGcmBarrier.KEYRING_PATH, keyring), StorageOp.put(AesGcmBarrier.SEAL_CONFIG_PATH, cfg.toJson())));
                sealConfig = cfg;
                barrier.unseal(rootKey);
                String token;
                try {
                    Map<String, Object> cluster = new LinkedHashMap<>();
                    cluster.put("name", "keyhaven-cluster-" + HexFormat.of().formatHex(randomBytes(4)));
                    cluster.put("id", UUID.randomUUID().toString());
                    barrier.put(CLUSTER_PATH, Json.write(cluster));
                    barrier.put(MOUNTS_PATH, Json.write(Map.of("mounts", List.of())));
                    postUnseal();
                    token = authService.createRootToken(rootTokenId);
                } finally {
                    preSeal();
                }
                log.info("initialized with {} key shares and a key threshold of {}", shares, threshold);
                return new InitResult(split, token);
            } finally {
                Arrays.fill(rootKey, (byte) 0);
            }
        } finally {
            stateLock.writeLock().unlock();
            unsealLock.unlock();
        }
    }

    /**
     * Adds one unseal share. A malformed, repeated or foreign-index share is refused (400) without changing the
     * progress. When the threshold is reached the shares are combined; if they do not open the keyring the progress
     * is reset and 400 is returned.
     */
    public void submitUnsealShare(byte[] share) {
        unsealLock.lock();
        try {
            SealConfig cfg = sealConfig;
            if (cfg == null) throw KeyhavenException.badRequest("Keyhaven is not initialized");
            if (!isSealed()) return;
            Optional<List<byte[]>> ready = progress.add(share, ROOT_KEY_BYTES + 1, cfg.threshold());
            if (ready.isEmpty()) return;
            byte[] rootKey = Shamir.combine(ready.get());
            progress.reset();
            try {
                unsealWithRootKey(rootKey);
            } catch (InvalidRootKeyException e) {
                throw KeyhavenException.badRequest("unseal failed: the " + cfg.threshold() + " unseal keys given do not reconstruct the root key "
                        + "(at least one of them is wrong); unseal progress was reset, start again");
            } finally {
                Arrays.fill(rootKey, (byte) 0);
            }
        } finally {
            unsealLock.unlock();
        }
    }

    public void resetUnsealProgress() {
        unsealLock.lock();
        try {
            progress.reset();
        } finally {
            unsealLock.unlock();
        }
    }

    public int unsealProgress() {
        return progress.progress();
    }

    public String unsealNonce() {
        return progress.nonce();
    }

    private void unsealWithRootKey(byte[] rootKey) {
        stateLock.writeLock().lock();
        try {
            if (!isSealed()) return;
            barrier.unseal(rootKey);
            try {
                postUnseal();
            } catch (RuntimeException e) {
                preSeal();
                throw e;
            }
            log.info("unsealed");
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    /** Seals: waits for in-flight requests, stops engines and auth, forgets the keys. Idempotent. */
    public void seal() {
        unsealLock.lock();
        stateLock.writeLock().lock();
        try {
            progress.reset();
            if (isSealed()) return;
            preSeal();
            log.info("sealed");
        } finally {
            stateLock.writeLock().unlock();
            unsealLock.unlock();
        }
    }

    /** Creates a root token (dev mode); the core must be unsealed. */
    public String createRootToken(Optional<String> id) {
        stateLock.readLock().lock();
        try {
            requireUnsealed();
            return authService.createRootToken(id);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    private void postUnseal() {
        Map<String, Object> cluster = barrier.get(CLUSTER_PATH).map(Json::parseObject).orElse(Map.of());
        clusterId = String.valueOf(cluster.getOrDefault("id", ""));
        clusterName = !configuredClusterName.isEmpty() ? configuredClusterName : String.valueOf(cluster.getOrDefault("name", ""));
        authService.start(new PrefixedStorage(barrier, "core/auth/"), clock);
        audit = new AuditBroker(new PrefixedStorage(barrier, "core/audit/"), clock);
        audit.onDeviceFailure(telemetry::onAuditFailure);
        if (auditRetention != null) audit.scheduleRetention(auditRetention);
        router.add(sysEntry, system);
        for (MountEntry e : loadMountTable()) mountEngine(e);
        for (MountEntry d : defaultMounts) {
            if (router.find(d.path()).isEmpty() && factoryFor(d.type(), d.options()).isPresent()) {
                addMount(d.path(), d.type(), d.description(), d.options());
            }
        }
    }

    private void preSeal() {
        for (Router.Mount m : router.clear()) {
            if (m.engine() == system) continue;
            try {
                m.engine().close();
            } catch (RuntimeException e) {
                log.warn("engine at {} failed to close: {}", m.entry().path(), e.toString());
            }
        }
        AuditBroker a = audit;
        audit = null;
        if (a != null) a.close();
        try {
            authService.stop();
        } finally {
            barrier.seal();
        }
    }

    // ------------------------------------------------------------------ mounts

    private List<MountEntry> loadMountTable() {
        Map<String, Object> table = barrier.get(MOUNTS_PATH).map(Json::parseObject).orElse(Map.of());
        List<MountEntry> out = new ArrayList<>();
        if (table.get("mounts") instanceof List<?> l) {
            for (Object o : l) {
                @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) o;
                out.add(MountEntry.fromMap(m));
            }
        }
        return out;
    }

    private Optional<EngineFactory> factoryFor(String type, Map<String, String> options) {
        return Optional.ofNullable(factories.get(type));
    }

    private void mountEngine(MountEntry e) {
        Optional<EngineFactory> f = factoryFor(e.type(), e.options());
        if (f.isEmpty()) {
            log.error("mount {} has engine type {} which this build does not provide; the mount is unavailable", e.path(), e.type());
            return;
        }
        Storage view = new PrefixedStorage(barrier, e.storagePrefix());
        Engine engine = f.get().create(new EngineContext(e.path(), e.accessor(), e.type(), e.options(), view, clock));
        router.add(e, engine);
    }

    /**
     * Mounts a new engine (persisted). {@code type} {@code kv-v2} is stored as {@code kv} with {@code version=2},
     * as Vault does.
     */
    public MountEntry mount(String path, String type, String description, Map<String, String> options) {
        stateLock.readLock().lock();
        try {
            requireUnsealed();
            return addMount(path, type, description, options);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    private synchronized MountEntry addMount(String rawPath, String rawType, String description, Map<String, String> rawOptions) {
        String path = normalizeMountPath(rawPath);
        String type = rawType == null ? "" : rawType.trim().toLowerCase(Locale.ROOT);
        Map<String, String> options = new LinkedHashMap<>(rawOptions);
        if (type.equals("kv-v2")) {
            type = "kv";
            options.put("version", "2");
        }
        if (type.equals("kv") && !options.containsKey("version")) options.put("version", "1");
        if (type.equals("kv") && !Set.of("1", "2").contains(options.get("version"))) throw KeyhavenException.badRequest("kv version must be 1 or 2");
        if (type.isEmpty()) throw KeyhavenException.badRequest("missing required field 'type'");
        if (path.equals("sys/") || path.startsWith("sys/") || path.equals("auth/") || path.startsWith("core/")) {
            throw KeyhavenException.badRequest("cannot mount at \"" + path + "\": reserved path");
        }
        if (factoryFor(type, options).isEmpty()) throw KeyhavenException.badRequest("plugin not found in the catalog: " + (type.equals("kv") ? "kv version " + options.get("version") : type));
        if (router.conflicts(path)) throw KeyhavenException.badRequest("path is already in use at " + path);
        String uuid = UUID.randomUUID().toString();
        String accessor = type.replace('-', '_') + "_" + HexFormat.of().formatHex(randomBytes(4));
        MountEntry entry = new MountEntry(path, type, uuid, accessor, description == null ? "" : description, options);
        List<MountEntry> table = loadMountTable();
        table.add(entry);
        saveMountTable(table);
        mountEngine(entry);
        log.info("mounted {} engine at {}", type, path);
        return entry;
    }

    /**
     * Changes a mount's tunable settings ({@code sys/mounts/:path/tune}, {@code sys/auth/:path/tune}): description,
     * {@code default_lease_ttl}, {@code max_lease_ttl}, {@code listing_visibility}. Persisted; the engine keeps running.
     */
    public MountEntry tune(String rawPath, String description, Map<String, Object> tune) {
        stateLock.readLock().lock();
        try {
            requireUnsealed();
            synchronized (this) {
                String path = normalizeMountPath(rawPath);
                List<MountEntry> table = loadMountTable();
                int i = -1;
                for (int k = 0; k < table.size(); k++) if (table.get(k).path().equals(path)) i = k;
                if (i < 0) throw KeyhavenException.badRequest("cannot tune \"" + path + "\": no mount at this path");
                MountEntry updated = table.get(i).withTune(description == null ? table.get(i).description() : description, tune);
                table.set(i, updated);
                saveMountTable(table);
                router.remove(path).ifPresent(m -> router.add(updated, m.engine()));
                return updated;
            }
        } finally {
            stateLock.readLock().unlock();
        }
    }

    /** Removes a mount and deletes its data. Lock order everywhere: state lock first, then this object's monitor. */
    public void unmount(String rawPath) {
        stateLock.readLock().lock();
        try {
            requireUnsealed();
            removeMount(rawPath);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    private synchronized void removeMount(String rawPath) {
        {
            String path = normalizeMountPath(rawPath);
            if (path.equals("sys/")) throw KeyhavenException.badRequest("cannot unmount \"sys/\"");
            List<MountEntry> table = loadMountTable();
            Optional<MountEntry> found = table.stream().filter(e -> e.path().equals(path)).findFirst();
            if (found.isEmpty()) return; // Vault: disabling a missing mount is not an error
            table.remove(found.get());
            saveMountTable(table);
            router.remove(path).ifPresent(m -> m.engine().close());
            if (path.startsWith("auth/")) {
                // as Vault: disabling an auth method logs out everyone who logged in through it
                int revoked = authService.revokeIssuedUnder(path);
                if (revoked > 0) log.info("revoked {} token(s) issued through {}", revoked, path);
            }
            deleteTree(new PrefixedStorage(barrier, found.get().storagePrefix()), "");
            log.info("unmounted {}", path);
        }
    }

    private static void deleteTree(Storage s, String prefix) {
        for (String child : s.list(prefix)) {
            if (child.endsWith("/")) deleteTree(s, prefix + child);
            else s.delete(prefix + child);
        }
    }

    private void saveMountTable(List<MountEntry> table) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (MountEntry e : table) rows.add(e.toMap());
        barrier.put(MOUNTS_PATH, Json.write(Map.of("mounts", rows)));
    }

    static String normalizeMountPath(String raw) {
        if (raw == null) throw KeyhavenException.badRequest("missing mount path");
        String p = raw.strip();
        while (p.startsWith("/")) p = p.substring(1);
        if (p.isEmpty()) throw KeyhavenException.badRequest("missing mount path");
        if (!p.endsWith("/")) p = p + "/";
        try {
            dev.keyhaven.core.storage.StorageKeys.validatePrefix(p);
        } catch (KeyhavenException e) {
            throw KeyhavenException.badRequest("invalid mount path \"" + raw + "\"");
        }
        return p;
    }

    // ------------------------------------------------------------------ rotation

    public AesGcmBarrier.KeyStatus rotate() {
        stateLock.readLock().lock();
        try {
            requireUnsealed();
            barrier.rotate();
            log.info("barrier key rotated to term {}", barrier.keyStatus().term());
            return barrier.keyStatus();
        } finally {
            stateLock.readLock().unlock();
        }
    }

    // ------------------------------------------------------------------ requests

    /**
     * The request flow. Throws {@link KeyhavenException} for every refusal (the edge renders it); any other
     * exception is a bug and renders as 500.
     */
    /** Sees every request once it is answered (extensions such as rotation); must be cheap and not throw. */
    @FunctionalInterface
    public interface RequestObserver {
        void observed(Request request, int status);
    }

    private final List<RequestObserver> requestObservers = new java.util.concurrent.CopyOnWriteArrayList<>();

    public void addRequestObserver(RequestObserver observer) {
        requestObservers.add(Objects.requireNonNull(observer));
    }

    public Response handle(Request req) {
        long start = System.nanoTime();
        int status = 500;
        boolean later = false;
        try {
            Response resp = handleRequest(req);
            status = resp.status();
            dev.keyhaven.core.logical.AuditGate gate = req.auditGate();
            if (gate != null) {
                // the outcome is known once the audit entries are written: metrics and observers see that status
                later = true;
                int ok = status;
                gate.then(failure -> observe(req, failure == null ? ok : ErrorCode.UNAVAILABLE.httpStatus(), start));
            }
            return resp;
        } catch (KeyhavenException e) {
            status = e.code().httpStatus();
            throw e;
        } finally {
            if (!later) observe(req, status, start);
        }
    }

    private void observe(Request req, int status, long start) {
        telemetry.onRequest(req, status, System.nanoTime() - start);
        for (RequestObserver o : requestObservers) {
            try {
                o.observed(req, status);
            } catch (RuntimeException e) {
                log.warn("request observer failed: {}", e.getClass().getSimpleName());
            }
        }
    }

    private Response handleRequest(Request req) {
        if (closed) throw new KeyhavenException(ErrorCode.UNAVAILABLE, "Keyhaven is shutting down");
        String path = req.path();
        if (SEAL_EXEMPT.contains(path) || (path.endsWith("/") && SEAL_EXEMPT.contains(path.substring(0, path.length() - 1)))) {
            return handleExempt(req);
        }
        boolean sealAfter = false;
        Response resp;
        stateLock.readLock().lock();
        try {
            requireUnsealed();
            Router.Route route = router.route(path).orElseThrow(() -> new KeyhavenException(ErrorCode.NOT_FOUND,
                    "no handler for route \"" + path + "\". route entry not found."));
            MountEntry entry = route.mount().entry();
            Engine engine = route.mount().engine();
            req.setMount(entry.path(), entry.type(), entry.accessor(), route.relativePath());
            resp = audited(req, engine);
            sealAfter = engine == system && route.relativePath().equals("seal") && (req.operation() == Operation.UPDATE || req.operation() == Operation.CREATE);
        } finally {
            stateLock.readLock().unlock();
        }
        if (sealAfter) seal();
        return resp;
    }

    private Response handleExempt(Request req) {
        String rel = req.path().substring("sys/".length());
        if (rel.endsWith("/")) rel = rel.substring(0, rel.length() - 1);
        req.setMount(sysEntry.path(), sysEntry.type(), sysEntry.accessor(), rel);
        // attach the token entry when unsealed and one is sent (never required here)
        stateLock.readLock().lock();
        try {
            if (!isSealed()) authService.authorize(req, new PathTraits(true, false, null));
        } catch (KeyhavenException ignored) {
            // unauthenticated path: a bad token does not matter
        } finally {
            stateLock.readLock().unlock();
        }
        return system.handle(req);
    }

    private static PathTraits traits(Engine engine, Request req) {
        String rel = req.relativePath();
        boolean unauth = PathMatcher.matches(engine.unauthenticatedPaths(), rel);
        boolean sudo = PathMatcher.matches(engine.rootPaths(), rel);
        Boolean exists = null;
        if (req.operation() == Operation.UPDATE || req.operation() == Operation.CREATE) exists = engine.exists(req).orElse(null);
        return new PathTraits(unauth, sudo, exists);
    }

    private void requireUnsealed() {
        if (isSealed()) throw new KeyhavenException(ErrorCode.SEALED, "Keyhaven is sealed");
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Seals and closes the physical store. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            seal();
        } finally {
            physical.close();
        }
    }

    private static String versionString() {
        String v = Keyhaven.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-dev" : v;
    }

    @Override
    public String toString() {
        return "Keyhaven[" + (isSealed() ? "sealed" : "unsealed") + "]";
    }
}
