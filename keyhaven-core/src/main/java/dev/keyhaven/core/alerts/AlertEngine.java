package dev.keyhaven.core.alerts;

import dev.keyhaven.core.metrics.RequestEvent;
import dev.keyhaven.core.metrics.Telemetry;
import dev.keyhaven.core.metrics.TelemetryListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns telemetry events into alerts. Three rules:
 * <ul>
 *   <li><b>brute force</b>: {@code bruteForceThreshold} failed authentications (refused or unknown tokens, failed
 *       logins) within a sliding {@code bruteForceWindow}, per client address and overall. One alert per burst: after
 *       an alert the same address (and the overall counter) stays quiet for {@code bruteForceCooldown}; a per-address
 *       alert also silences the overall one, so a single attacker yields exactly one alert.</li>
 *   <li><b>usage spike</b>: per token accessor and per path prefix, requests are counted in buckets of
 *       {@code spikeBucket}; the baseline is an exponentially weighted moving average of past buckets (empty ones
 *       included). A bucket that reaches {@code spikeFactor} × baseline and at least {@code spikeMinCount} requests
 *       raises an alert, once the key has been seen for {@code spikeWarmup}; then the key is quiet for
 *       {@code spikeCooldown}.</li>
 *   <li><b>expired credential</b>: any use of an expired or revoked token or of a retired secret version; one alert per
 *       credential per {@code credentialCooldown}.</li>
 * </ul>
 * Every alert is stored ({@link AlertStore}), logged as one line without secret data (a token is named by the first
 * eight characters of its accessor only), counted in {@code keyhaven_alerts_raised_total} and, if configured, posted
 * to a signed webhook asynchronously. Time comes from the injected {@link Clock}; memory is bounded by
 * {@code maxTrackedKeys}.
 */
public final class AlertEngine implements TelemetryListener {
    private static final Logger LOG = LoggerFactory.getLogger(AlertEngine.class);
    /**
     * Failure reasons that count towards brute force (guessing a credential): unknown tokens and failed logins whose
     * credential was wrong. Not counted: a missing token, a valid token lacking a capability, stale tokens (their own
     * rule), and login failures that are not guesses (missing input, configuration, internal errors).
     */
    static final Set<String> GUESSING_REASONS = Set.of("invalid_token", "other", "role", "cidr", "signature", "issuer", "subject", "audience",
            "expired", "claims", "replay", "credentials");
    static final int ACCESSOR_SHOWN = 8;

    private final Clock clock;
    private final AlertConfig config;
    private final AlertStore store;
    private final Optional<Telemetry> telemetry;
    private final Optional<AlertWebhook> webhook;

    private final Map<String, FailureWindow> failures;
    private final FailureWindow overall;
    private final Map<String, Rate> rates;
    private final Map<String, Instant> quietUntil;

    public AlertEngine(Clock clock, AlertConfig config, AlertStore store, Optional<Telemetry> telemetry, Optional<AlertWebhook> webhook) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.config = Objects.requireNonNull(config, "config");
        this.store = Objects.requireNonNull(store, "store");
        this.telemetry = telemetry;
        this.webhook = webhook;
        this.failures = lru(config.maxTrackedKeys());
        this.rates = lru(config.maxTrackedKeys());
        this.quietUntil = lru(config.maxTrackedKeys());
        this.overall = new FailureWindow(config.bruteForceThreshold());
    }

    public AlertStore store() {
        return store;
    }

    public AlertConfig config() {
        return config;
    }

    private static <V> Map<String, V> lru(int max) {
        return new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    /** The decision taken under the lock; raised (stored, logged, posted) outside it. */
    private record Pending(AlertRule rule, String subject, String source, String message, Map<String, Object> details) {}

    // ------------------------------------------------------------------ brute force

    @Override
    public void onAuthFailure(String method, String reason, String source) {
        if (!GUESSING_REASONS.contains(reason)) return;
        Instant now = clock.instant();
        Pending p = null;
        synchronized (this) {
            boolean sourceBurst = !source.isEmpty() && failures.computeIfAbsent(source, k -> new FailureWindow(config.bruteForceThreshold()))
                    .add(now, config.bruteForceWindow());
            boolean overallBurst = overall.add(now, config.bruteForceWindow());
            if (sourceBurst && quiet("bf:" + source, now)) {
                silence("bf:" + source, now, config.bruteForceCooldown());
                silence("bf:*", now, config.bruteForceCooldown());
                p = new Pending(AlertRule.BRUTE_FORCE, "source " + source, source,
                        config.bruteForceThreshold() + " failed authentications from " + source + " within " + human(config.bruteForceWindow()),
                        details(method, reason));
            } else if (overallBurst && quiet("bf:*", now)) {
                silence("bf:*", now, config.bruteForceCooldown());
                p = new Pending(AlertRule.BRUTE_FORCE, "all sources", "",
                        config.bruteForceThreshold() + " failed authentications from all sources within " + human(config.bruteForceWindow()),
                        details(method, reason));
            }
        }
        if (p != null) raise(p, now);
    }

    private Map<String, Object> details(String method, String reason) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("failures", config.bruteForceThreshold());
        d.put("window_seconds", config.bruteForceWindow().toSeconds());
        d.put("last_method", method);
        d.put("last_reason", reason);
        return d;
    }

    /** The last {@code threshold} failure times of one key. */
    private static final class FailureWindow {
        private final int threshold;
        private final Deque<Instant> times = new ArrayDeque<>();

        FailureWindow(int threshold) {
            this.threshold = threshold;
        }

        /** Records a failure; whether {@code threshold} of them now fall within {@code window}. */
        boolean add(Instant now, Duration window) {
            times.addLast(now);
            while (times.size() > threshold) times.removeFirst();
            Instant cutoff = now.minus(window);
            while (!times.isEmpty() && !times.peekFirst().isAfter(cutoff)) times.removeFirst();
            return times.size() >= threshold;
        }
    }

    // ------------------------------------------------------------------ spikes

    @Override
    public void onRequest(RequestEvent e) {
        Instant now = clock.instant();
        List<Pending> pending = new ArrayList<>(2);
        synchronized (this) {
            if (!e.accessor().isEmpty()) {
                spike("token:" + e.accessor(), now, "token accessor " + truncate(e.accessor()), e.source()).ifPresent(pending::add);
            }
            if (isSecretMount(e.mountPoint())) {
                spike("path:" + e.mountPoint() + e.pathPrefix(), now, "path prefix " + e.mountPoint() + e.pathPrefix(), e.source()).ifPresent(pending::add);
            }
        }
        for (Pending p : pending) raise(p, now);
    }

    private Optional<Pending> spike(String key, Instant now, String subject, String source) {
        Rate r = rates.computeIfAbsent(key, k -> new Rate(now, bucketOf(now)));
        r.hit(bucketOf(now), config.spikeAlpha());
        boolean warm = !now.isBefore(r.firstSeen.plus(config.spikeWarmup()));
        if (!warm || !r.hasBaseline || r.count < config.spikeMinCount() || r.count < config.spikeFactor() * r.baseline) return Optional.empty();
        if (!quiet("spike:" + key, now)) return Optional.empty();
        silence("spike:" + key, now, config.spikeCooldown());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("requests_in_bucket", r.count);
        d.put("bucket_seconds", config.spikeBucket().toSeconds());
        d.put("baseline_per_bucket", Math.round(r.baseline * 100.0) / 100.0);
        d.put("factor", config.spikeFactor());
        String times = r.baseline > 0 ? String.format(java.util.Locale.ROOT, "%.0f", r.count / r.baseline) + "x" : "far above";
        return Optional.of(new Pending(AlertRule.USAGE_SPIKE, subject, source,
                "usage spike for " + subject + ": " + r.count + " requests in " + human(config.spikeBucket()) + ", " + times + " its baseline of "
                        + String.format(java.util.Locale.ROOT, "%.1f", r.baseline), d));
    }

    private long bucketOf(Instant t) {
        return Math.floorDiv(t.toEpochMilli(), config.spikeBucket().toMillis());
    }

    /** Per-key bucket count and moving baseline. */
    private static final class Rate {
        final Instant firstSeen;
        long bucket;
        long count;
        double baseline;
        boolean hasBaseline;

        Rate(Instant firstSeen, long bucket) {
            this.firstSeen = firstSeen;
            this.bucket = bucket;
        }

        void hit(long b, double alpha) {
            if (b > bucket) {
                // close the current bucket, then fold in the empty buckets since
                baseline = hasBaseline ? alpha * count + (1 - alpha) * baseline : count;
                hasBaseline = true;
                long empty = Math.min(b - bucket - 1, 100_000);
                if (empty > 0) baseline *= Math.pow(1 - alpha, empty);
                bucket = b;
                count = 0;
            }
            count++;
        }
    }

    private static boolean isSecretMount(String mount) {
        return !mount.isEmpty() && !mount.equals("sys/") && !mount.startsWith("auth/");
    }

    // ------------------------------------------------------------------ stale credentials

    @Override
    public void onExpiredCredentialUse(String kind, String credential, String source) {
        Instant now = clock.instant();
        boolean token = kind.endsWith("_token");
        String id = credential.isEmpty() ? "unknown" : credential;
        String subject = token ? "token accessor " + truncate(id) : "secret " + id;
        Pending p;
        synchronized (this) {
            String key = "cred:" + kind + ":" + id;
            if (!quiet(key, now)) return;
            silence(key, now, config.credentialCooldown());
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("kind", kind);
            d.put("cooldown_seconds", config.credentialCooldown().toSeconds());
            String what = switch (kind) {
                case Telemetry.KIND_EXPIRED_TOKEN -> "an expired token";
                case Telemetry.KIND_REVOKED_TOKEN -> "a revoked token";
                case Telemetry.KIND_RETIRED_SECRET_VERSION -> "a retired secret version";
                default -> "a stale credential";
            };
            p = new Pending(AlertRule.EXPIRED_CREDENTIAL, subject, source,
                    "use of " + what + " (" + subject + ")" + (source.isEmpty() ? "" : " from " + source), d);
        }
        raise(p, now);
    }

    // ------------------------------------------------------------------ common

    private boolean quiet(String key, Instant now) {
        Instant until = quietUntil.get(key);
        return until == null || !now.isBefore(until);
    }

    private void silence(String key, Instant now, Duration d) {
        quietUntil.put(key, now.plus(d));
    }

    /** First {@value #ACCESSOR_SHOWN} characters of an accessor: enough to find it, not enough to use it. */
    static String truncate(String accessor) {
        return accessor.length() <= ACCESSOR_SHOWN ? accessor : accessor.substring(0, ACCESSOR_SHOWN) + "...";
    }

    /** No control characters (a path prefix comes from the client; a log line must stay one line). */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length() && sb.length() < 512; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f || c == '"' ? '_' : c);
        }
        return sb.toString();
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }

    private void raise(Pending p, Instant now) {
        Alert a = new Alert(store.newId(now), p.rule().id(), p.rule().severity(), now, printable(p.subject()), printable(p.source()),
                printable(p.message()), p.details(), Optional.empty(), "");
        try {
            store.put(a);
        } catch (RuntimeException e) {
            LOG.error("alert {} could not be stored: {}", a.id(), e.getClass().getSimpleName());
        }
        LOG.warn("ALERT rule={} severity={} id={} subject=\"{}\" source=\"{}\": {}", a.rule(), a.severity(), a.id(), a.subject(), a.source(), a.message());
        telemetry.ifPresent(t -> t.onAlert(a.rule()));
        webhook.ifPresent(w -> w.post(a));
    }
}
