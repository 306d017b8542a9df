package dev.keyhaven.core.metrics;

import dev.keyhaven.core.auth.AuthListener;
import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.auth.login.LoginAttempt;
import dev.keyhaven.core.auth.login.LoginEvents;
import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one telemetry facade of the core: the request flow, the auth service, rotation and audit report events here;
 * it keeps Micrometer meters (rendered as Prometheus text or Vault's in-memory-sink JSON by {@code sys/metrics})
 * and forwards the same events to {@link TelemetryListener}s (the alert engine).
 *
 * <p>Metric names: {@code keyhaven_*} for everything Keyhaven-specific (labels instead of Vault's mount-in-the-name
 * style, seconds as the Prometheus base unit), plus Vault's own {@code vault_core_handle_request} and
 * {@code vault_core_handle_login_request} summaries (milliseconds, quantiles 0.5/0.9/0.99) so existing Vault
 * dashboards keep working. Label values are bounded: mounts, operations, status codes, auth methods and reasons,
 * and a path prefix of at most two folder segments ({@link PathPrefix}); every label has a cap on distinct values
 * after which new values are counted as {@code _other}. No token, accessor or full secret path is ever a label.
 *
 * <p>Never throws into the caller: a failing listener is logged (class name only) and skipped.
 */
public final class Telemetry implements AuthListener, LoginEvents {
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * Auth-failure reasons with a label of their own: the token reasons of {@link AuthListener} and the login
     * {@link FailureClass} labels ({@code credentials}, {@code signature}, {@code role} ...). Any other reason is
     * counted as {@code other}.
     */
    public static final Set<String> AUTH_FAILURE_REASONS = reasons();
    /** Kinds of stale credential use. */
    public static final String KIND_EXPIRED_TOKEN = "expired_token";
    public static final String KIND_REVOKED_TOKEN = "revoked_token";
    public static final String KIND_RETIRED_SECRET_VERSION = "retired_secret_version";
    public static final Set<String> CREDENTIAL_KINDS = Set.of(KIND_EXPIRED_TOKEN, KIND_REVOKED_TOKEN, KIND_RETIRED_SECRET_VERSION);

    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);

    private static Set<String> reasons() {
        java.util.Set<String> r = new java.util.HashSet<>(Set.of(AuthListener.MISSING_TOKEN, AuthListener.INVALID_TOKEN,
                AuthListener.EXPIRED_TOKEN, AuthListener.REVOKED_TOKEN, AuthListener.PERMISSION_DENIED));
        for (FailureClass c : FailureClass.values()) r.add(c.label());
        return Set.copyOf(r);
    }
    private static final DateTimeFormatter GO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Clock clock;
    private final Instant started;
    private final List<TelemetryListener> listeners = new CopyOnWriteArrayList<>();
    private final LabelLimiter mounts = new LabelLimiter(256);
    private final LabelLimiter mountTypes = new LabelLimiter(64);
    private final LabelLimiter methods = new LabelLimiter(64);
    private final LabelLimiter prefixes = new LabelLimiter(1000);
    private final LabelLimiter overlapPrefixes = new LabelLimiter(500);
    private final LabelLimiter outcomes = new LabelLimiter(16);
    private final LabelLimiter devices = new LabelLimiter(32);
    private final LabelLimiter rules = new LabelLimiter(16);
    private final DistributionSummary handleRequest;
    private final DistributionSummary handleLoginRequest;

    public Telemetry(Clock clock) {
        this.clock = clock;
        this.started = clock.instant();
        this.handleRequest = DistributionSummary.builder("vault.core.handle_request")
                .description("Time to handle a non-login request (milliseconds), as Vault reports it")
                .publishPercentiles(0.5, 0.9, 0.99).register(registry);
        this.handleLoginRequest = DistributionSummary.builder("vault.core.handle_login_request")
                .description("Time to handle a login request (milliseconds), as Vault reports it")
                .publishPercentiles(0.5, 0.9, 0.99).register(registry);
    }

    public void addListener(TelemetryListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(TelemetryListener listener) {
        listeners.remove(listener);
    }

    public Clock clock() {
        return clock;
    }

    // ------------------------------------------------------------------ events

    /**
     * A request left the core: the request flow calls this once per request with the status it ended with (the
     * response's status, or the error's). Derives everything else from the request: mount, operation, the token's
     * accessor (for rate baselines, never a label), the bounded path prefix and secret reads. (Failed logins come
     * from the auth methods through {@link #onLogin}.)
     */
    public void onRequest(Request req, int status, long durationNanos) {
        String mount = req.mountPoint();
        String type = req.mountType();
        String prefix = PathPrefix.of(type, req.relativePath());
        boolean login = mount.startsWith("auth/") && (req.relativePath().equals("login") || req.relativePath().startsWith("login/"));
        record(mount, type, req.operation(), status, durationNanos, login);
        if (status < 400 && req.operation() == Operation.READ && isSecretMount(mount)) onRead(mount, prefix);
        String accessor = req.auth(TokenEntry.class).map(TokenEntry::accessor).orElse("");
        RequestEvent e = new RequestEvent(mount, type, req.operation(), status, durationNanos, accessor, prefix, req.remoteAddress());
        for (TelemetryListener l : listeners) safely(() -> l.onRequest(e));
    }

    /** Request count and latency by mount and operation (the brief's signature; listeners are not told). */
    public void onRequest(String mountPoint, String mountType, Operation operation, int status, long durationNanos) {
        record(mountPoint, mountType, operation, status, durationNanos, false);
    }

    private record RequestKey(String mountPoint, String mountType, Operation operation, int status) {}

    private record RequestMeters(Counter count, Timer duration) {}

    private record ReadKey(String mount, String prefix) {}

    /** Meters resolved once per label combination: Micrometer's builder + register on every request is the hot path. */
    private final java.util.concurrent.ConcurrentHashMap<RequestKey, RequestMeters> requestMeters = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<ReadKey, Counter> readCounters = new java.util.concurrent.ConcurrentHashMap<>();
    /** Bound on the memo maps; past it meters are looked up in the registry each time (labels are bounded anyway). */
    private static final int MAX_MEMO = 10_000;

    private void record(String mountPoint, String mountType, Operation operation, int status, long durationNanos, boolean login) {
        RequestKey key = new RequestKey(mountPoint, mountType, operation, status);
        RequestMeters m = requestMeters.get(key);
        if (m == null) {
            m = requestMetersFor(key);
            if (requestMeters.size() < MAX_MEMO) requestMeters.putIfAbsent(key, m);
        }
        m.count().increment();
        long nanos = Math.max(0, durationNanos);
        m.duration().record(nanos, TimeUnit.NANOSECONDS);
        (login ? handleLoginRequest : handleRequest).record(nanos / 1_000_000.0);
    }

    private RequestMeters requestMetersFor(RequestKey k) {
        String mount = mounts.admit(k.mountPoint().isEmpty() ? "none" : k.mountPoint());
        String op = k.operation().name().toLowerCase(Locale.ROOT);
        String code = k.status() >= 100 && k.status() <= 599 ? Integer.toString(k.status()) : "other";
        Counter c = Counter.builder("keyhaven.requests").description("Requests handled, by mount, engine type, operation and HTTP status")
                .tags("mount", mount, "mount_type", mountTypes.admit(k.mountType()), "operation", op, "code", code)
                .register(registry);
        Timer t = Timer.builder("keyhaven.request.duration").description("Time to handle a request in the core, by mount and operation")
                .tags("mount", mount, "operation", op).register(registry);
        return new RequestMeters(c, t);
    }

    /** One refused credential. {@code reason} outside {@link #AUTH_FAILURE_REASONS} is counted as {@code other}. */
    public void onAuthFailure(String method, String reason) {
        onAuthFailure(method, reason, "");
    }

    public void onAuthFailure(String method, String reason, String source) {
        String r = AUTH_FAILURE_REASONS.contains(reason) ? reason : "other";
        Counter.builder("keyhaven.auth.failures").description("Refused credentials, by auth method and reason")
                .tags("method", methods.admit(method), "reason", r).register(registry).increment();
        for (TelemetryListener l : listeners) safely(() -> l.onAuthFailure(method, r, source == null ? "" : source));
    }

    /** From the auth service: counts the failure and, for a stale token, the expired-credential use. */
    @Override
    public void onAuthFailure(AuthFailure failure) {
        onAuthFailure(failure.method(), failure.reason(), failure.remoteAddress());
        if (failure.staleCredential()) {
            String kind = failure.reason().equals(AuthListener.EXPIRED_TOKEN) ? KIND_EXPIRED_TOKEN : KIND_REVOKED_TOKEN;
            onExpiredCredentialUse(kind, failure.accessor(), failure.remoteAddress());
        }
    }

    /**
     * From the login methods (JWT/OIDC, AppRole): a failed attempt counts as an auth failure of that method with its
     * {@link FailureClass} as reason (and feeds brute-force detection by client address).
     */
    @Override
    public void onLogin(LoginAttempt attempt) {
        if (attempt.success()) return;
        String reason = attempt.failureClass().map(FailureClass::label).orElse("other");
        onAuthFailure(attempt.method().isEmpty() ? "unknown" : attempt.method(), reason, attempt.remoteAddress());
    }

    /** A successful read of secret data under {@code mount}, by bounded path prefix. */
    public void onRead(String mount, String pathPrefix) {
        ReadKey key = new ReadKey(mount, pathPrefix);
        Counter c = readCounters.get(key);
        if (c == null) {
            String m = mounts.admit(mount);
            String p = prefixes.admit(m + "\u0000" + pathPrefix).equals(LabelLimiter.OTHER) ? LabelLimiter.OTHER : LabelLimiter.clean(pathPrefix);
            c = Counter.builder("keyhaven.secret.reads").description("Successful reads on secret engines, by mount and path prefix (two folder segments at most)")
                    .tags("mount", m, "path_prefix", p).register(registry);
            if (readCounters.size() < MAX_MEMO) readCounters.putIfAbsent(key, c);
        }
        c.increment();
    }

    /** Counts one use of a stale credential (no listener call: use the three-argument form for alerts). */
    public void onExpiredCredentialUse(String kind) {
        String k = CREDENTIAL_KINDS.contains(kind) ? kind : "other";
        Counter.builder("keyhaven.expired_credential.uses").description("Uses of expired, revoked or retired credentials, by kind")
                .tags("kind", k).register(registry).increment();
    }

    /**
     * A credential that was valid once was presented.
     *
     * @param credential a non-secret identifier (token accessor, secret path); never a token value
     */
    public void onExpiredCredentialUse(String kind, String credential, String source) {
        onExpiredCredentialUse(kind);
        String k = CREDENTIAL_KINDS.contains(kind) ? kind : "other";
        for (TelemetryListener l : listeners) safely(() -> l.onExpiredCredentialUse(k, credential == null ? "" : credential, source == null ? "" : source));
    }

    /**
     * Rotation reports a read of a previous secret version after its overlap window ended. {@code path} is the
     * secret's full logical path (mount included); only its first two folder segments become a label.
     */
    public void onPreviousVersionReadAfterOverlap(String path) {
        onPreviousVersionReadAfterOverlap(path, "");
    }

    public void onPreviousVersionReadAfterOverlap(String path, String source) {
        String prefix = overlapPrefixes.admit(PathPrefix.folders(path));
        Counter.builder("keyhaven.previous_version.reads_after_overlap")
                .description("Reads of a previous secret version after its overlap window ended, by path prefix")
                .tags("path_prefix", prefix).register(registry).increment();
        onExpiredCredentialUse(KIND_RETIRED_SECRET_VERSION, path, source);
    }

    /** A rotation finished with {@code outcome} (e.g. {@code success}, {@code failure}, {@code rolled_back}). */
    public void onRotation(String outcome) {
        Counter.builder("keyhaven.rotations").description("Secret rotations, by outcome")
                .tags("outcome", outcomes.admit(outcome)).register(registry).increment();
    }

    /** An audit device failed to log a request. */
    public void onAuditFailure(String device) {
        Counter.builder("keyhaven.audit.log_failures").description("Audit entries a device failed to write, by device")
                .tags("device", devices.admit(device)).register(registry).increment();
    }

    /** The alert engine raised an alert of {@code rule}. */
    public void onAlert(String rule) {
        Counter.builder("keyhaven.alerts.raised").description("Alerts raised, by rule").tags("rule", rules.admit(rule)).register(registry).increment();
    }

    /** A gauge read at scrape time (e.g. unacknowledged alerts). The supplier must be cheap and must not throw. */
    public void gauge(String name, String description, java.util.function.DoubleSupplier value) {
        Gauge.builder(name, value, java.util.function.DoubleSupplier::getAsDouble).description(description).register(registry);
    }

    private static boolean isSecretMount(String mount) {
        return !mount.isEmpty() && !mount.equals("sys/") && !mount.startsWith("auth/") && !mount.startsWith("identity/") && !mount.startsWith("cubbyhole/");
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("telemetry listener failed: {}", e.getClass().getSimpleName());
        }
    }

    // ------------------------------------------------------------------ rendering

    /** The Prometheus text exposition format 0.0.4. */
    public byte[] prometheusText() {
        return registry.scrape().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Vault's in-memory-sink JSON ({@code Timestamp, Gauges, Points, Counters, Samples}); names are dotted as in
     * Vault, labels under {@code Labels}. Differences: counters and samples are cumulative since the server
     * started (Vault's cover the last ten-second interval), so {@code Rate} is per second over that time; samples
     * are in milliseconds and carry no {@code Min} or {@code Stddev} (not tracked).
     */
    public Map<String, Object> vaultJson() {
        Instant now = clock.instant();
        double seconds = Math.max(1.0, Duration.between(started, now).toMillis() / 1000.0);
        List<Map<String, Object>> gauges = new ArrayList<>();
        List<Map<String, Object>> counters = new ArrayList<>();
        List<Map<String, Object>> samples = new ArrayList<>();
        List<Meter> meters = new ArrayList<>(registry.getMeters());
        meters.sort(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()));
        for (Meter m : meters) {
            String name = m.getId().getName();
            Map<String, String> labels = new LinkedHashMap<>();
            for (Tag t : m.getId().getTags()) labels.put(t.getKey(), t.getValue());
            if (m instanceof Counter c) {
                counters.add(counter(name, c.count(), seconds, labels));
            } else if (m instanceof FunctionCounter c) {
                counters.add(counter(name, c.count(), seconds, labels));
            } else if (m instanceof Timer t) {
                samples.add(sample(name, t.count(), t.totalTime(TimeUnit.MILLISECONDS), t.max(TimeUnit.MILLISECONDS), seconds, labels));
            } else if (m instanceof DistributionSummary d) {
                samples.add(sample(name, d.count(), d.totalAmount(), d.max(), seconds, labels));
            } else if (m instanceof Gauge g) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("Name", name);
                v.put("Value", finite(g.value()));
                v.put("Labels", labels);
                gauges.add(v);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Timestamp", GO_TIME.format(now) + " +0000 UTC");
        body.put("Gauges", gauges);
        body.put("Points", List.of());
        body.put("Counters", counters);
        body.put("Samples", samples);
        return body;
    }

    private static Map<String, Object> counter(String name, double count, double seconds, Map<String, String> labels) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Name", name);
        v.put("Count", (long) count);
        v.put("Rate", count / seconds);
        v.put("Sum", count);
        v.put("Min", count > 0 ? 1.0 : 0.0);
        v.put("Max", count > 0 ? 1.0 : 0.0);
        v.put("Mean", count > 0 ? 1.0 : 0.0);
        v.put("Stddev", 0.0);
        v.put("Labels", labels);
        return v;
    }

    private static Map<String, Object> sample(String name, long count, double sum, double max, double seconds, Map<String, String> labels) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("Name", name);
        v.put("Count", count);
        v.put("Rate", finite(sum / seconds));
        v.put("Sum", finite(sum));
        v.put("Max", finite(max));
        v.put("Mean", count > 0 ? finite(sum / count) : 0.0);
        v.put("Labels", labels);
        return v;
    }

    private static double finite(double d) {
        return Double.isFinite(d) ? d : 0.0;
    }

    @Override
    public String toString() {
        return "Telemetry[" + registry.getMeters().size() + " meters]";
    }
}
