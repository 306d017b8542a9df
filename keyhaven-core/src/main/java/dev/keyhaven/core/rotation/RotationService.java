package dev.keyhaven.core.rotation;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.rotation.RotationRecord.Inflight;
import dev.keyhaven.core.rotation.RotationRecord.SecretVersion;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rotation state machine over the engine's barrier storage.
 *
 * <h2>Storage layout</h2>
 * <ul>
 *   <li>{@code policy/<name>}: a {@link RotationPolicy}.</li>
 *   <li>{@code record/<sha256(path)>}: the {@link RotationRecord} of one managed secret (no values).</li>
 *   <li>{@code pending/<sha256(path)>/<rotation id>}: the next value, written ahead of any change at the target,
 *       deleted once the value is a KV version (or the rotation rolled back).</li>
 * </ul>
 *
 * <h2>A rotation, step by step (each step one CAS of the record; a crash after any step resumes from it)</h2>
 * <ol>
 *   <li><b>prepared</b>: the rotator makes the next value; it is stored under {@code pending/...}, then the record gains
 *       a {@code PENDING} version and the in-flight marker (value first, so the record never names a missing value).</li>
 *   <li><b>applied</b>: the rotator makes the value valid at the target (idempotent) and proves it with a fresh login.
 *       If that fails and the new value does not work, the rotation rolls back (the old value is untouched); if the new
 *       value does work, it rolls forward on the next attempt. A credential is never dropped.</li>
 *   <li><b>stored</b>: the value becomes KV version {@code base+1}, written with {@code cas=base}, so a repeated write
 *       after a crash is refused rather than duplicated (a resumed step sees the version already there).</li>
 *   <li><b>promoted</b>: one CAS makes the new version {@code CURRENT} and the old one {@code PREVIOUS} until the end of the
 *       overlap; the pending value is deleted.</li>
 *   <li><b>retired</b>: after the overlap (at once for an emergency with revoke_previous) the rotator invalidates the
 *       old value at the target, KV destroys its version, and the record marks it {@code RETIRED}.</li>
 * </ol>
 */
public final class RotationService {
    private static final Logger LOG = LoggerFactory.getLogger(RotationService.class);
    static final String POLICY_PREFIX = "policy/";
    static final String RECORD_PREFIX = "record/";
    static final String PENDING_PREFIX = "pending/";
    static final Duration BACKOFF_BASE = Duration.ofSeconds(30);
    static final Duration BACKOFF_MAX = Duration.ofHours(1);
    static final Duration REMIND_AFTER = Duration.ofHours(24);
    static final int DISCOVERY_LIMIT = 10_000;
    private static final int KEEP_RETIRED = 5;
    private static final int MAX_CAS = 100;

    private final Storage storage;
    private final LogicalClient logical;
    private final KvAccess kv;
    private final RotatorRegistry rotators;
    private final RotationAudit audit;
    private final Clock clock;
    private final Random jitter;
    private final SecureRandom secureRandom = new SecureRandom();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public RotationService(Storage storage, LogicalClient logical, RotatorRegistry rotators, RotationAudit audit, Clock clock, Random jitter) {
        this.storage = storage;
        this.logical = logical;
        this.kv = new KvAccess(logical);
        this.rotators = rotators;
        this.audit = audit;
        this.clock = clock;
        this.jitter = jitter;
    }

    public Clock clock() {
        return clock;
    }

    public RotatorRegistry rotators() {
        return rotators;
    }

    // ------------------------------------------------------------------------------------------------ policies

    public RotationPolicy writePolicy(RotationPolicy p) {
        Rotator r = rotators.require(p.rotator());
        r.validate(p.rotatorSettings());
        Settings all = p.allSettings();
        all.get("notify_url").ifPresent(WebhookNotifier::checkUrl);
        if (all.get("notify_url").isPresent() != all.get("notify_secret_path").isPresent()) {
            throw RotationException.badRequest("settings 'notify_url' and 'notify_secret_path' go together");
        }
        if (r instanceof VersionedKeyRotator && (p.isPattern() || !p.path().matches(".+/keys/[^/]+"))) {
            throw RotationException.badRequest("rotator '" + p.rotator() + "' needs an exact key path <mount>/keys/<name>, such as transit/keys/jwt");
        }
        if (r instanceof ValueRotator && p.path().contains("/keys/") && p.path().startsWith("transit/")) {
            throw RotationException.badRequest("rotator '" + p.rotator() + "' stores values in KV v2; use rotator=transit for transit keys");
        }
        if (!r.supportsOverlap(p.rotatorSettings()) && p.overlapSeconds() > 0) {
            throw RotationException.badRequest("rotator '" + p.rotator() + "' with these settings cannot keep the old credential valid; "
                    + "set overlap=0 or use the alternating-users strategy (usernames=a,b)");
        }
        storage.put(POLICY_PREFIX + p.name(), Json.write(p));
        sync(p, clock.instant());
        return p;
    }

    public Optional<RotationPolicy> policy(String name) {
        if (!RotationPolicy.NAME.matcher(name).matches()) return Optional.empty();
        return storage.get(POLICY_PREFIX + name).map(b -> Json.read(b, RotationPolicy.class));
    }

    public List<String> policyNames() {
        return storage.list(POLICY_PREFIX).stream().filter(k -> !k.endsWith("/")).toList();
    }

    public List<RotationPolicy> policies() {
        List<RotationPolicy> out = new ArrayList<>();
        for (String n : policyNames()) policy(n).ifPresent(out::add);
        return out;
    }

    /**
     * Deletes a policy. Refused (409) while one of its secrets is mid-rotation or still has a previous version in its
     * overlap window (the policy's rotator is needed to retire it); records of idle secrets are removed.
     */
    public boolean deletePolicy(String name) {
        if (policy(name).isEmpty()) return false;
        List<RotationRecord> bound = records().stream().filter(r -> r.policy().equals(name)).toList();
        for (RotationRecord r : bound) {
            if (r.inflight() != null) throw RotationException.conflict("policy '" + name + "' has a rotation in progress for " + r.path() + "; retry when it is done");
            if (r.previous().isPresent()) {
                throw RotationException.conflict("policy '" + name + "' still has a previous version of " + r.path()
                        + " in its overlap window; wait for it to retire or rotate with revoke_previous=true");
            }
        }
        for (RotationRecord r : bound) storage.delete(recordKey(r.path()));
        storage.delete(POLICY_PREFIX + name);
        return true;
    }

    // ------------------------------------------------------------------------------------------------ records

    public Optional<RotationRecord> record(String path) {
        return storage.get(recordKey(path)).map(b -> Json.read(b, RotationRecord.class));
    }

    public List<RotationRecord> records() {
        List<RotationRecord> out = new ArrayList<>();
        for (String k : storage.list(RECORD_PREFIX)) {
            if (k.endsWith("/")) continue;
            storage.get(RECORD_PREFIX + k).ifPresent(b -> out.add(Json.read(b, RotationRecord.class)));
        }
        return out;
    }

    /** The policy that governs {@code path}: an exact path beats a pattern, a longer pattern beats a shorter one. */
    public Optional<RotationPolicy> policyFor(String path) {
        RotationPolicy best = null;
        for (RotationPolicy p : policies()) {
            if (!p.matches(path)) continue;
            if (best == null || specificity(p) > specificity(best)) best = p;
        }
        return Optional.ofNullable(best);
    }

    private static int specificity(RotationPolicy p) {
        return p.isPattern() ? p.path().length() : Integer.MAX_VALUE;
    }

    /** Creates records for the secrets every policy covers and rebinds existing ones. */
    public void syncAll(Instant now) {
        for (RotationPolicy p : policies()) {
            try {
                sync(p, now);
            } catch (KeyhavenException e) {
                LOG.warn("rotation policy {}: discovery failed: {}", p.name(), e.getMessage());
            }
        }
    }

    private void sync(RotationPolicy p, Instant now) {
        List<String> paths = new ArrayList<>();
        if (p.isPattern()) {
            String prefix = p.path().substring(0, p.path().length() - 1);
            KvAccess.Target t;
            try {
                t = KvAccess.split(prefix + "x", p.allSettings().get("mount", ""));
            } catch (KeyhavenException e) {
                return;
            }
            String folderPart = t.secret().substring(0, t.secret().length() - 1);
            int slash = folderPart.lastIndexOf('/');
            String folder = slash < 0 ? "" : folderPart.substring(0, slash + 1);
            for (String s : kv.listRecursive(t.mount(), folder, DISCOVERY_LIMIT)) {
                String full = t.mount() + "/" + s;
                if (p.matches(full)) paths.add(full);
            }
        } else {
            paths.add(p.path());
        }
        for (String path : paths) {
            if (!policyFor(path).map(RotationPolicy::name).orElse("").equals(p.name())) continue;
            bind(path, p, now);
        }
        if (p.isPattern()) {
            // a secret deleted from KV leaves its pattern: forget it (unless a rotation or an overlap still needs it)
            java.util.Set<String> live = new java.util.HashSet<>(paths);
            for (RotationRecord r : records()) {
                if (r.policy().equals(p.name()) && !live.contains(r.path()) && r.inflight() == null && r.previous().isEmpty()) {
                    storage.delete(recordKey(r.path()));
                }
            }
        }
    }

    private void bind(String path, RotationPolicy p, Instant now) {
        Optional<RotationRecord> existing = record(path);
        if (existing.isPresent() && existing.get().policy().equals(p.name()) && existing.get().rotator().equals(p.rotator())
                && scheduleMatches(existing.get(), p)) {
            return;
        }
        update(path, cur -> {
            if (cur == null) {
                long base = scheduleBase(path, p, now);
                long next = base == 0 ? now.getEpochSecond() : base + p.intervalSeconds() + jitterSeconds(p);
                return adoptCurrent(RotationRecord.fresh(path, p.name(), p.rotator(), next), path, p);
            }
            if (cur.inflight() != null) return cur.withPolicy(p.name(), cur.rotator(), cur.nextRotation());
            long base = cur.lastRotation() > 0 ? cur.lastRotation() : scheduleBase(path, p, now);
            long next = base == 0 ? now.getEpochSecond() : base + p.intervalSeconds() + jitterSeconds(p);
            return cur.withPolicy(p.name(), p.rotator(), next);
        });
    }

    private boolean scheduleMatches(RotationRecord r, RotationPolicy p) {
        if (r.lastRotation() == 0) return true; // first schedule stays until the first rotation or a policy change
        long next = r.nextRotation() - r.lastRotation();
        return next >= p.intervalSeconds() && next <= p.intervalSeconds() + maxJitter(p).getSeconds();
    }

    /** When the current value was made (epoch seconds), 0 if there is none yet (then the first rotation is due now). */
    private long scheduleBase(String path, RotationPolicy p, Instant now) {
        Rotator r = rotators.require(p.rotator());
        if (r instanceof VersionedKeyRotator) return now.getEpochSecond();
        KvAccess.Target t = target(path, p);
        Optional<KvAccess.Meta> meta = kv.metadata(t);
        if (meta.isEmpty() || meta.get().currentVersion() == 0) return 0;
        return meta.get().updatedTime().map(Instant::getEpochSecond).orElse(now.getEpochSecond());
    }

    /** A record created for a secret that already has a KV value starts with that version as CURRENT. */
    private RotationRecord adoptCurrent(RotationRecord rec, String path, RotationPolicy p) {
        Rotator rot = rotators.require(p.rotator());
        if (rot instanceof VersionedKeyRotator kr) {
            long latest;
            try {
                latest = kr.latestVersion(context(path, p, Optional.empty(), "scheduled"));
            } catch (KeyhavenException e) {
                return rec; // the key does not exist yet: the first rotation will report it
            }
            long now = clock.instant().getEpochSecond();
            return latest == 0 ? rec : rec.withVersions(List.of(new SecretVersion(latest, VersionState.CURRENT, "", now, now, 0, 0)));
        }
        if (!(rot instanceof ValueRotator vr)) return rec;
        Optional<KvAccess.Meta> meta = kv.metadata(target(path, p));
        if (meta.isEmpty() || meta.get().currentVersion() == 0) return rec;
        long v = meta.get().currentVersion();
        String label = kv.read(target(path, p), v).map(vr::label).orElse("");
        long created = meta.get().updatedTime().map(Instant::getEpochSecond).orElse(0L);
        return rec.withVersions(List.of(new SecretVersion(v, VersionState.CURRENT, label, created, created, 0, 0)));
    }

    // ------------------------------------------------------------------------------------------------ rotating

    /** The outcome of a synchronous rotation request. */
    public record Outcome(RotationRecord record, boolean awaitingConfirmation) {}

    /**
     * Rotates {@code path} now, synchronously to promotion (or until an outside party must confirm). An in-flight
     * rotation is finished first. With {@code revokePrevious} the old version is retired at once (no overlap).
     */
    public Outcome rotateNow(String path, String reason, boolean revokePrevious) {
        RotationPolicy p = policyFor(path).orElseThrow(() -> RotationException.notFound("no rotation policy covers " + path));
        ReentrantLock lock = lock(path);
        lock.lock();
        try {
            Instant now = clock.instant();
            if (record(path).isEmpty()) bind(path, p, now);
            RotationRecord rec = record(path).orElseThrow();
            if (rec.inflight() != null) {
                if (rec.inflight().step().equals("awaiting")) {
                    if (revokePrevious && !rec.inflight().revokePrevious()) {
                        rec = update(path, c -> c.withInflight(c.inflight() == null ? null : new Inflight(c.inflight().id(), reason, true,
                                c.inflight().step(), c.inflight().baseVersion(), c.inflight().startedAt(), c.inflight().pendingKey(), c.inflight().label(), c.inflight().notifiedAt())));
                    }
                    notifyAgain(rec, p);
                    return new Outcome(record(path).orElseThrow(), true);
                }
                rec = advance(rec, p);
            }
            if (rec.previous().isPresent()) rec = retirePrevious(rec, p, reason);
            rec = start(rec, p, reason, revokePrevious);
            if (rec.inflight() != null && rec.inflight().step().equals("awaiting")) return new Outcome(rec, true);
            rec = advance(rec, p);
            return new Outcome(rec, rec.inflight() != null && rec.inflight().step().equals("awaiting"));
        } catch (KeyhavenException e) {
            fail(path, p, e);
            throw e;
        } catch (RuntimeException e) {
            fail(path, p, e);
            throw RotationException.target("rotation of " + path + " failed: " + describe(e), e);
        } finally {
            lock.unlock();
        }
    }

    /** The outside party's new value for a rotation waiting for it ({@code sys/rotation/confirm/:path}). */
    public RotationRecord confirm(String path, SecretData value) {
        RotationPolicy p = policyFor(path).orElseThrow(() -> RotationException.notFound("no rotation policy covers " + path));
        ReentrantLock lock = lock(path);
        lock.lock();
        try {
            RotationRecord rec = record(path).orElseThrow(() -> RotationException.badRequest("no rotation is waiting for confirmation at " + path));
            Inflight in = rec.inflight();
            if (in == null || !in.step().equals("awaiting")) throw RotationException.badRequest("no rotation is waiting for confirmation at " + path);
            if (value.fields().isEmpty()) throw RotationException.badRequest("'data' must hold the new value's fields");
            ValueRotator vr = (ValueRotator) rotators.require(p.rotator());
            rec = writePending(rec, in.step("prepared"), value, vr.label(value), p);
            event("rotation.confirmed", rec, p, in, 0, "");
            return advance(rec, p);
        } finally {
            lock.unlock();
        }
    }

    /** Resumes every in-flight rotation (call at startup / when becoming leader). Failures are recorded, not thrown. */
    public void recover() {
        sweepOrphanedPending();
        for (RotationRecord r : records()) {
            if (r.inflight() == null || r.inflight().step().equals("awaiting")) continue;
            Optional<RotationPolicy> p = policy(r.policy());
            if (p.isEmpty()) continue;
            runGuarded(r.path(), p.get(), () -> advance(record(r.path()).orElseThrow(), p.get()));
        }
    }

    /**
     * Deletes pending values no record refers to (left by a crash between writing a value and the CAS naming it, or
     * between promotion and the cleanup). Harmless if it races a starting rotation: a record naming a missing pending
     * value rolls back, because nothing reaches a target before its value is durable.
     */
    void sweepOrphanedPending() {
        for (String folder : storage.list(PENDING_PREFIX)) {
            if (!folder.endsWith("/")) continue;
            String h = folder.substring(0, folder.length() - 1);
            Optional<RotationRecord> rec = storage.get(RECORD_PREFIX + h).map(b -> Json.read(b, RotationRecord.class));
            String live = rec.flatMap(RotationRecord::inflightOpt).map(Inflight::pendingKey).orElse("");
            for (String id : storage.list(PENDING_PREFIX + folder)) {
                String key = PENDING_PREFIX + folder + id;
                if (!key.equals(live)) storage.delete(key);
            }
        }
    }

    /** One scheduler pass: resume, retire and rotate whatever is due at {@code now}. */
    public void runDue(Instant now) {
        syncAll(now);
        long t = now.getEpochSecond();
        for (RotationRecord r : records()) {
            Optional<RotationPolicy> op = policy(r.policy());
            if (op.isEmpty()) continue;
            RotationPolicy p = op.get();
            if (r.nextAttempt() > t) continue; // backing off after a failure
            if (r.inflight() != null) {
                if (r.inflight().step().equals("awaiting")) {
                    if (r.inflight().notifiedAt() + REMIND_AFTER.getSeconds() <= t) runGuarded(r.path(), p, () -> notifyAgain(r, p));
                } else {
                    runGuarded(r.path(), p, () -> advance(record(r.path()).orElseThrow(), p));
                }
                continue;
            }
            Optional<SecretVersion> prev = r.previous();
            if (prev.isPresent() && prev.get().retireAfter() <= t && r.nextRotation() > t) {
                runGuarded(r.path(), p, () -> retirePrevious(record(r.path()).orElseThrow(), p, "scheduled"));
            } else if (r.nextRotation() <= t) { // a due rotation retires the previous version first
                runGuarded(r.path(), p, () -> {
                    RotationRecord cur = record(r.path()).orElseThrow();
                    if (cur.inflight() != null || cur.nextRotation() > t) return cur;
                    if (cur.previous().isPresent()) cur = retirePrevious(cur, p, "scheduled");
                    cur = start(cur, p, "scheduled", false);
                    if (cur.inflight() != null && cur.inflight().step().equals("awaiting")) return cur;
                    return advance(cur, p);
                });
            }
        }
    }

    private void runGuarded(String path, RotationPolicy p, java.util.function.Supplier<RotationRecord> step) {
        ReentrantLock lock = lock(path);
        if (!lock.tryLock()) return; // a manual rotation is running on this path right now
        try {
            step.get();
        } catch (RuntimeException e) {
            fail(path, p, e);
        } finally {
            lock.unlock();
        }
    }

    private RotationRecord start(RotationRecord rec, RotationPolicy p, String reason, boolean revokePrevious) {
        Rotator r = rotators.require(p.rotator());
        String id = HexFormat.of().formatHex(RandomValues.bytes(secureRandom, 8));
        long now = clock.instant().getEpochSecond();
        if (r instanceof VersionedKeyRotator kr) {
            long base = kr.latestVersion(context(rec.path(), p, Optional.empty(), reason));
            rec = adoptVersion(rec, base, "");
            Inflight in = new Inflight(id, reason, revokePrevious, "prepared", base, now, "", "", 0);
            rec = update(rec.path(), c -> requireIdle(c).withInflight(in).withVersions(withPending(c, base + 1, "", now)));
            event("rotation.started", rec, p, in, base + 1, "");
            CrashPoints.reached("prepared");
            return rec;
        }
        ValueRotator vr = (ValueRotator) r;
        KvAccess.Target t = target(rec.path(), p);
        Optional<KvAccess.Meta> meta = kv.metadata(t);
        long base = meta.map(KvAccess.Meta::currentVersion).orElse(0L);
        Optional<SecretData> current = base == 0 ? Optional.empty() : kv.read(t, base);
        rec = adoptExternalWrite(rec, base, current, vr);
        if (!vr.generatesValues()) {
            Inflight in = new Inflight(id, reason, revokePrevious, "awaiting", base, now, "", "", 0);
            rec = update(rec.path(), c -> requireIdle(c).withInflight(in).withVersions(withPending(c, base + 1, "", now)));
            event("rotation.awaiting_confirmation", rec, p, in, base + 1, "");
            return notifyAgain(rec, p);
        }
        SecretData next = vr.prepare(context(rec.path(), p, current, reason)).orElseThrow(() ->
                new IllegalStateException("rotator " + p.rotator() + " produced no value"));
        // the value first, then one CAS that names it: a crash in between leaves only an unreferenced encrypted value
        String key = PENDING_PREFIX + hash(rec.path()) + "/" + id;
        String label = vr.label(next);
        Inflight in = new Inflight(id, reason, revokePrevious, "prepared", base, now, key, label, 0);
        storage.put(key, Json.write(next.fields()));
        try {
            rec = update(rec.path(), c -> requireIdle(c).withInflight(in).withVersions(withPending(c, base + 1, label, now)));
        } catch (RuntimeException e) {
            storage.delete(key);
            throw e;
        }
        event("rotation.started", rec, p, in, base + 1, "");
        CrashPoints.reached("prepared");
        return rec;
    }

    private RotationRecord requireIdle(RotationRecord c) {
        if (c.inflight() != null) throw RotationException.conflict("a rotation of " + c.path() + " is already in progress");
        return c;
    }

    /** If someone wrote the KV secret outside rotation, its latest version becomes the current one we rotate from. */
    private RotationRecord adoptExternalWrite(RotationRecord rec, long base, Optional<SecretData> current, ValueRotator vr) {
        return adoptVersion(rec, base, current.map(vr::label).orElse(""));
    }

    /** Makes {@code base} the CURRENT version when the record does not know it yet (first rotation, outside change). */
    private RotationRecord adoptVersion(RotationRecord rec, long base, String label) {
        long known = rec.current().map(SecretVersion::version).orElse(0L);
        if (base == 0 || known == base) return rec;
        long now = clock.instant().getEpochSecond();
        return update(rec.path(), c -> {
            List<SecretVersion> vs = new ArrayList<>();
            for (SecretVersion v : c.versions()) {
                if (v.state() == VersionState.CURRENT) vs.add(v.withState(VersionState.RETIRED));
                else vs.add(v);
            }
            vs.add(new SecretVersion(base, VersionState.CURRENT, label, now, now, 0, 0));
            return c.withVersions(RotationRecord.trimRetired(vs, KEEP_RETIRED));
        });
    }

    /** Value first, then the record that names it; on a lost CAS the value is removed again. */
    private RotationRecord writePending(RotationRecord rec, Inflight in, SecretData value, String label, RotationPolicy p) {
        String key = PENDING_PREFIX + hash(rec.path()) + "/" + in.id();
        storage.put(key, Json.write(value.fields()));
        long now = clock.instant().getEpochSecond();
        try {
            return update(rec.path(), c -> {
                if (c.inflight() == null || !c.inflight().id().equals(in.id())) throw RotationException.conflict("the rotation of " + c.path() + " changed concurrently");
                return c.withInflight(in.pending(key, label)).withVersions(withPending(c, in.baseVersion() + 1, label, now));
            });
        } catch (RuntimeException e) {
            storage.delete(key);
            throw e;
        }
    }

    private static List<SecretVersion> withPending(RotationRecord c, long version, String label, long now) {
        List<SecretVersion> vs = new ArrayList<>();
        for (SecretVersion v : c.versions()) if (v.state() != VersionState.PENDING) vs.add(v);
        vs.add(new SecretVersion(version, VersionState.PENDING, label, now, 0, 0, 0));
        return RotationRecord.trimRetired(vs, KEEP_RETIRED);
    }

    /** Drives an in-flight rotation forward from its last durable step to promotion. */
    private RotationRecord advance(RotationRecord rec, RotationPolicy p) {
        Rotator r = rotators.require(p.rotator());
        for (int guard = 0; guard < 8 && rec.inflight() != null; guard++) {
            Inflight in = rec.inflight();
            switch (in.step()) {
                case "awaiting" -> {
                    return rec;
                }
                case "prepared" -> rec = (r instanceof VersionedKeyRotator kr) ? rotateKeyRing(rec, p, kr, in) : apply(rec, p, (ValueRotator) r, in);
                case "applied" -> rec = store(rec, p, in);
                case "stored" -> rec = promote(rec, p, r, in);
                default -> throw new IllegalStateException("unknown rotation step");
            }
        }
        return rec;
    }

    private RotationRecord rotateKeyRing(RotationRecord rec, RotationPolicy p, VersionedKeyRotator kr, Inflight in) {
        RotationContext ctx = context(rec.path(), p, Optional.empty(), in.reason());
        long v = kr.rotate(ctx, in.baseVersion());
        long now = clock.instant().getEpochSecond();
        rec = update(rec.path(), c -> sameRotation(c, in).withInflight(in.step("stored")).withVersions(withPending(c, v, "", now)));
        event("rotation.applied", rec, p, in, v, "");
        CrashPoints.reached("stored");
        return rec;
    }

    private RotationRecord apply(RotationRecord rec, RotationPolicy p, ValueRotator vr, Inflight in) {
        Optional<SecretData> pending = in.pendingKey().isEmpty() ? Optional.empty()
                : storage.get(in.pendingKey()).map(b -> new SecretData(Json.parseObject(b)));
        if (pending.isEmpty()) {
            // nothing reaches the target before its value is durable, so without one nothing was applied: roll back
            rollBack(rec, p, in, new IllegalStateException("pending value missing"));
            return record(rec.path()).orElseThrow();
        }
        SecretData next = pending.get();
        KvAccess.Target t = target(rec.path(), p);
        Optional<SecretData> current = in.baseVersion() == 0 ? Optional.empty() : kv.read(t, in.baseVersion());
        RotationContext ctx = context(rec.path(), p, current, in.reason());
        try {
            vr.apply(ctx, next);
            vr.verify(ctx, next);
        } catch (RuntimeException e) {
            boolean newWorks = works(vr, ctx, next);
            if (newWorks) throw e; // the target took the new value: never drop it, roll forward on the next attempt
            boolean oldWorks = current.isEmpty() || works(vr, ctx, current.get());
            if (!oldWorks) throw e; // neither works: keep everything for an operator, never lose the pending value
            rollBack(rec, p, in, e);
            throw e;
        }
        rec = update(rec.path(), c -> sameRotation(c, in).withInflight(in.step("applied")));
        event("rotation.applied", rec, p, in, in.baseVersion() + 1, "verified with a fresh login");
        CrashPoints.reached("applied");
        return rec;
    }

    private static boolean works(ValueRotator vr, RotationContext ctx, SecretData value) {
        try {
            vr.verify(ctx, value);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void rollBack(RotationRecord rec, RotationPolicy p, Inflight in, RuntimeException cause) {
        update(rec.path(), c -> {
            if (c.inflight() == null || !c.inflight().id().equals(in.id())) return c;
            List<SecretVersion> vs = new ArrayList<>();
            for (SecretVersion v : c.versions()) if (v.state() != VersionState.PENDING) vs.add(v);
            return c.withInflight(null).withVersions(vs);
        });
        if (!in.pendingKey().isEmpty()) storage.delete(in.pendingKey());
        event("rotation.rolled_back", rec, p, in, in.baseVersion() + 1, describe(cause));
    }

    private RotationRecord store(RotationRecord rec, RotationPolicy p, Inflight in) {
        KvAccess.Target t = target(rec.path(), p);
        SecretData next = pendingValue(in);
        long expected = in.baseVersion() + 1;
        long latest = kv.metadata(t).map(KvAccess.Meta::currentVersion).orElse(0L);
        long written;
        if (latest == in.baseVersion()) {
            written = kv.write(t, next, in.baseVersion());
        } else if (latest == expected && kv.read(t, expected).map(next::equals).orElse(false)) {
            written = expected; // written before a crash: resume
        } else {
            throw RotationException.conflict("the secret " + rec.path() + " changed outside rotation during the rotation (now version "
                    + latest + "); the new credential stays pending, resolve and retry");
        }
        rec = update(rec.path(), c -> sameRotation(c, in).withInflight(in.step("stored")).withVersions(renumberPending(c, written)));
        CrashPoints.reached("stored");
        return rec;
    }

    private static List<SecretVersion> renumberPending(RotationRecord c, long v) {
        List<SecretVersion> vs = new ArrayList<>();
        for (SecretVersion s : c.versions()) {
            vs.add(s.state() == VersionState.PENDING ? new SecretVersion(v, VersionState.PENDING, s.label(), s.createdAt(), 0, 0, 0) : s);
        }
        return vs;
    }

    private RotationRecord promote(RotationRecord rec, RotationPolicy p, Rotator r, Inflight in) {
        long now = clock.instant().getEpochSecond();
        boolean overlap = r.supportsOverlap(p.rotatorSettings()) && !in.revokePrevious();
        long retireAt = overlap ? now + p.overlapSeconds() : now;
        long next = now + p.intervalSeconds() + jitterSeconds(p);
        long[] versions = new long[2];
        rec = update(rec.path(), c -> {
            sameRotation(c, in);
            List<SecretVersion> vs = new ArrayList<>();
            for (SecretVersion v : c.versions()) {
                switch (v.state()) {
                    case PENDING -> {
                        vs.add(new SecretVersion(v.version(), VersionState.CURRENT, v.label(), v.createdAt(), now, 0, 0));
                        versions[0] = v.version();
                    }
                    case CURRENT -> {
                        vs.add(new SecretVersion(v.version(), VersionState.PREVIOUS, v.label(), v.createdAt(), v.promotedAt(), retireAt, 0));
                        versions[1] = v.version();
                    }
                    default -> vs.add(v);
                }
            }
            return c.withInflight(null).withVersions(RotationRecord.trimRetired(vs, KEEP_RETIRED)).withSchedule(now, next).succeeded();
        });
        if (!in.pendingKey().isEmpty()) storage.delete(in.pendingKey());
        event("rotation.promoted", rec, p, in, versions[0], versions[1] == 0 ? "" : "previous valid until " + Instant.ofEpochSecond(retireAt));
        CrashPoints.reached("promoted");
        notifyPolicy(p, rec, "rotation.promoted", in.reason());
        if (rec.previous().isPresent() && rec.previous().get().retireAfter() <= now) rec = retirePrevious(rec, p, in.reason());
        return rec;
    }

    /** Invalidates the previous version at the target, destroys its KV version and marks it retired. */
    RotationRecord retirePrevious(RotationRecord rec, RotationPolicy p, String reason) {
        Optional<SecretVersion> prevOpt = rec.previous();
        if (prevOpt.isEmpty()) return rec;
        SecretVersion prev = prevOpt.get();
        Rotator r = rotators.require(p.rotator());
        if (r instanceof VersionedKeyRotator kr) {
            long keepFrom = rec.current().map(SecretVersion::version).orElse(prev.version() + 1);
            kr.retireBelow(context(rec.path(), p, Optional.empty(), reason), keepFrom);
            CrashPoints.reached("target-retired");
        } else {
            ValueRotator vr = (ValueRotator) r;
            KvAccess.Target t = target(rec.path(), p);
            Optional<SecretData> current = rec.current().flatMap(c -> kv.read(t, c.version()));
            Optional<SecretData> old = kv.read(t, prev.version());
            if (old.isPresent()) vr.retire(context(rec.path(), p, current, reason), old.get());
            CrashPoints.reached("target-retired");
            if (kv.metadata(t).map(m -> m.readable().getOrDefault(prev.version(), false)).orElse(false)) kv.destroy(t, prev.version());
        }
        long now = clock.instant().getEpochSecond();
        rec = update(rec.path(), c -> {
            List<SecretVersion> vs = new ArrayList<>();
            for (SecretVersion v : c.versions()) {
                vs.add(v.version() == prev.version() && v.state() == VersionState.PREVIOUS
                        ? new SecretVersion(v.version(), VersionState.RETIRED, v.label(), v.createdAt(), v.promotedAt(), v.retireAfter(), now) : v);
            }
            return c.withVersions(RotationRecord.trimRetired(vs, KEEP_RETIRED));
        });
        event("rotation.retired", rec, p, null, prev.version(), reason.equals("emergency") ? "emergency: overlap skipped" : "");
        CrashPoints.reached("retired");
        return rec;
    }

    private RotationRecord notifyAgain(RotationRecord rec, RotationPolicy p) {
        ValueRotator vr = (ValueRotator) rotators.require(p.rotator());
        Inflight in = rec.inflight();
        KvAccess.Target t = target(rec.path(), p);
        Optional<SecretData> current = in.baseVersion() == 0 ? Optional.empty() : kv.read(t, in.baseVersion());
        vr.requestValue(context(rec.path(), p, current, in.reason()), in.id());
        long now = clock.instant().getEpochSecond();
        return update(rec.path(), c -> c.inflight() == null ? c : c.withInflight(c.inflight().notified(now)).succeeded());
    }

    private static RotationRecord sameRotation(RotationRecord c, Inflight in) {
        if (c.inflight() == null || !c.inflight().id().equals(in.id()) || !c.inflight().step().equals(in.step())) {
            throw RotationException.conflict("the rotation of " + c.path() + " changed concurrently");
        }
        return c;
    }

    private SecretData pendingValue(Inflight in) {
        byte[] raw = storage.get(in.pendingKey()).orElseThrow(() -> new IllegalStateException("pending value missing"));
        return new SecretData(Json.parseObject(raw));
    }

    /** Records a failure (value-free) with exponential backoff; the in-flight state is kept to resume from. */
    private void fail(String path, RotationPolicy p, RuntimeException e) {
        String what = describe(e);
        long now = clock.instant().getEpochSecond();
        try {
            RotationRecord rec = update(path, c -> {
                if (c == null) return null;
                long delay = backoffSeconds(c.attempts() + 1);
                return c.failed(what, now, now + delay);
            });
            if (rec != null) event("rotation.failed", rec, p, rec.inflight(), 0, what + "; attempt " + rec.attempts());
        } catch (RuntimeException again) {
            LOG.warn("rotation of {}: could not record failure: {}", path, again.getClass().getSimpleName());
        }
    }

    long backoffSeconds(int attempts) {
        long base = BACKOFF_BASE.getSeconds() << Math.min(attempts - 1, 20);
        long capped = Math.min(base, BACKOFF_MAX.getSeconds());
        synchronized (jitter) {
            return capped + (long) (jitter.nextDouble() * capped * 0.1);
        }
    }

    /** Non-negative jitter: never earlier than the interval, at most 1% of it and at most one hour later. */
    long jitterSeconds(RotationPolicy p) {
        long max = maxJitter(p).getSeconds();
        if (max <= 0) return 0;
        synchronized (jitter) {
            return (long) (jitter.nextDouble() * max);
        }
    }

    static Duration maxJitter(RotationPolicy p) {
        return Duration.ofSeconds(Math.min(p.intervalSeconds() / 100, 3600));
    }

    /** A value-free description: our own messages (which never hold values) or just the exception class. */
    static String describe(Throwable e) {
        if (e instanceof KeyhavenException k) {
            String msg = String.join("; ", k.errors());
            return "KeyhavenException(" + k.code() + ")" + (msg.isEmpty() ? "" : ": " + msg);
        }
        return e.getClass().getSimpleName();
    }

    private void event(String type, RotationRecord rec, RotationPolicy p, Inflight in, long version, String detail) {
        long prev = rec.previous().map(SecretVersion::version).orElse(0L);
        audit.record(new RotationEvent(clock.instant(), type, rec.path(), p.name(), p.rotator(), in == null ? "" : in.id(),
                in == null ? "" : in.reason(), version, prev, detail));
    }

    /** Records an incident entry (emergency rotation) and notifies the policy's webhook if it has one. */
    public void incident(String path, RotationPolicy p, RotationRecord rec, boolean revokePrevious, String requestedBy) {
        audit.record(new RotationEvent(clock.instant(), "rotation.incident", path, p.name(), p.rotator(), "", "emergency",
                rec.current().map(SecretVersion::version).orElse(0L), rec.previous().map(SecretVersion::version).orElse(0L),
                "emergency rotation" + (revokePrevious ? " with revoke_previous" : "") + (requestedBy.isEmpty() ? "" : " requested by " + requestedBy)));
        notifyPolicy(p, rec, "rotation.incident", "emergency");
    }

    private void notifyPolicy(RotationPolicy p, RotationRecord rec, String type, String reason) {
        Optional<String> url = p.allSettings().get("notify_url");
        if (url.isEmpty()) return;
        try {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("event", type);
            body.put("path", rec.path());
            body.put("policy", p.name());
            body.put("reason", reason);
            body.put("current_version", rec.current().map(SecretVersion::version).orElse(0L));
            body.put("previous_version", rec.previous().map(SecretVersion::version).orElse(0L));
            body.put("time", clock.instant().toString());
            WebhookNotifier.send(url.get(), WebhookNotifier.signerFrom(kv, p.allSettings().require("notify_secret_path")), body, clock);
        } catch (RuntimeException e) {
            // a notification failure must not undo a finished rotation; it is audited
            audit.record(new RotationEvent(clock.instant(), "rotation.notify_failed", rec.path(), p.name(), p.rotator(), "", reason, 0, 0, describe(e)));
        }
    }

    RotationContext context(String path, RotationPolicy p, Optional<SecretData> current, String reason) {
        return new RotationContext(path, p, p.rotatorSettings(), current, "emergency".equals(reason), kv, logical, clock, secureRandom);
    }

    KvAccess.Target target(String path, RotationPolicy p) {
        return KvAccess.split(path, p.allSettings().get("mount", ""));
    }

    public KvAccess kv() {
        return kv;
    }

    private ReentrantLock lock(String path) {
        return locks.computeIfAbsent(path, k -> new ReentrantLock());
    }

    /** CAS loop over the record; {@code fn} receives null when there is no record and may return null to leave it absent. */
    private RotationRecord update(String path, UnaryOperator<RotationRecord> fn) {
        String key = recordKey(path);
        for (int i = 0; i < MAX_CAS; i++) {
            Optional<byte[]> raw = storage.get(key);
            RotationRecord cur = raw.map(b -> Json.read(b, RotationRecord.class)).orElse(null);
            RotationRecord next = fn.apply(cur);
            if (next == null) return null;
            if (storage.compareAndSet(key, raw.orElse(null), Json.write(next))) return next;
        }
        throw new KeyhavenException(ErrorCode.UNAVAILABLE, "too much contention on the rotation record of " + path + "; retry");
    }

    static String recordKey(String path) {
        return RECORD_PREFIX + hash(path);
    }

    static String hash(String path) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
