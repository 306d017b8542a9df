package dev.keyhaven.core.rotation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The durable state of one secret under rotation: its versions with their states, the schedule, failures and the
 * in-flight rotation if any. It holds no secret value (a pending value lives encrypted under its own key, named by
 * {@link Inflight#pendingKey()}). Every change is one compare-and-set of the whole record.
 *
 * <p>Times are epoch seconds, 0 meaning "never".
 *
 * @param path         the managed secret: a KV v2 path ({@code secret/app/db}) or a transit key ({@code transit/keys/jwt})
 * @param policy       the rotation policy that governs it
 * @param rotator      the rotator type at the time of the last change
 * @param versions     newest first; at most one {@code CURRENT}, one {@code PREVIOUS}, one {@code PENDING}
 * @param lastRotation when the current version was promoted
 * @param nextRotation when the next scheduled rotation is due (interval plus jitter)
 * @param attempts     failed attempts since the last success
 * @param lastError    the class of the last failure (e.g. {@code PSQLException}) with a value-free message; empty if none
 * @param lastErrorAt  when it failed
 * @param nextAttempt  earliest retry after a failure (exponential backoff); 0 = no backoff pending
 * @param inflight     the rotation under way, or null
 */
public record RotationRecord(String path, String policy, String rotator, List<SecretVersion> versions,
                             long lastRotation, long nextRotation, int attempts, String lastError, long lastErrorAt,
                             long nextAttempt, Inflight inflight) {
    public RotationRecord {
        versions = versions == null ? List.of() : List.copyOf(versions);
        lastError = lastError == null ? "" : lastError;
    }

    public static RotationRecord fresh(String path, String policy, String rotator, long nextRotation) {
        return new RotationRecord(path, policy, rotator, List.of(), 0, nextRotation, 0, "", 0, 0, null);
    }

    /** One version of the secret. {@code label} is a non-secret tag such as the database user it belongs to. */
    public record SecretVersion(long version, VersionState state, String label, long createdAt, long promotedAt,
                                long retireAfter, long retiredAt) {
        public SecretVersion {
            label = label == null ? "" : label;
        }

        public SecretVersion withState(VersionState s) {
            return new SecretVersion(version, s, label, createdAt, promotedAt, retireAfter, retiredAt);
        }
    }

    /**
     * A rotation under way. {@code step} is the last durable step: {@code awaiting} (waiting for an external party to
     * supply the value), {@code prepared} (new value written ahead, target not yet known to accept it), {@code applied}
     * (target accepts it, verified), {@code stored} (KV version written). {@code baseVersion} is the current version when
     * the rotation began; the new one is written with {@code cas=baseVersion}, so a resumed write never duplicates.
     */
    public record Inflight(String id, String reason, boolean revokePrevious, String step, long baseVersion,
                           long startedAt, String pendingKey, String label, long notifiedAt) {
        public Inflight {
            pendingKey = pendingKey == null ? "" : pendingKey;
            label = label == null ? "" : label;
        }

        public Inflight step(String s) {
            return new Inflight(id, reason, revokePrevious, s, baseVersion, startedAt, pendingKey, label, notifiedAt);
        }

        public Inflight pending(String key, String lbl) {
            return new Inflight(id, reason, revokePrevious, step, baseVersion, startedAt, key, lbl, notifiedAt);
        }

        public Inflight notified(long at) {
            return new Inflight(id, reason, revokePrevious, step, baseVersion, startedAt, pendingKey, label, at);
        }
    }

    @JsonIgnore
    public Optional<SecretVersion> current() {
        return versions.stream().filter(v -> v.state() == VersionState.CURRENT).findFirst();
    }

    @JsonIgnore
    public Optional<SecretVersion> previous() {
        return versions.stream().filter(v -> v.state() == VersionState.PREVIOUS).findFirst();
    }

    @JsonIgnore
    public Optional<Inflight> inflightOpt() {
        return Optional.ofNullable(inflight);
    }

    public RotationRecord withVersions(List<SecretVersion> v) {
        return new RotationRecord(path, policy, rotator, v, lastRotation, nextRotation, attempts, lastError, lastErrorAt, nextAttempt, inflight);
    }

    public RotationRecord withInflight(Inflight i) {
        return new RotationRecord(path, policy, rotator, versions, lastRotation, nextRotation, attempts, lastError, lastErrorAt, nextAttempt, i);
    }

    public RotationRecord withSchedule(long last, long next) {
        return new RotationRecord(path, policy, rotator, versions, last, next, attempts, lastError, lastErrorAt, nextAttempt, inflight);
    }

    public RotationRecord withPolicy(String p, String r, long next) {
        return new RotationRecord(path, p, r, versions, lastRotation, next, attempts, lastError, lastErrorAt, nextAttempt, inflight);
    }

    public RotationRecord failed(String error, long at, long retryAt) {
        return new RotationRecord(path, policy, rotator, versions, lastRotation, nextRotation, attempts + 1, error, at, retryAt, inflight);
    }

    public RotationRecord succeeded() {
        return new RotationRecord(path, policy, rotator, versions, lastRotation, nextRotation, 0, "", 0, 0, inflight);
    }

    /** Versions newest first, with retired ones beyond {@code keepRetired} dropped (the record stays small). */
    static List<SecretVersion> trimRetired(List<SecretVersion> in, int keepRetired) {
        List<SecretVersion> out = new ArrayList<>();
        int retired = 0;
        List<SecretVersion> sorted = new ArrayList<>(in);
        sorted.sort((a, b) -> Long.compare(b.version(), a.version()));
        for (SecretVersion v : sorted) {
            if (v.state() == VersionState.RETIRED && ++retired > keepRetired) continue;
            out.add(v);
        }
        return out;
    }

    static Optional<Instant> time(long epochSeconds) {
        return epochSeconds == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(epochSeconds));
    }
}
