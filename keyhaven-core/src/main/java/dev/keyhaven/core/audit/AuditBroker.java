package dev.keyhaven.core.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.PrefixedStorage;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans every request and response out to the enabled audit devices and fails closed: {@link #logRequest} and
 * {@link #logResponse} return only after at least one device accepted the entry, otherwise they throw a 503
 * {@link KeyhavenException} ({@code no audit backend succeeded in logging the request}), and the caller must not
 * return anything of the response. With no device enabled, requests proceed (as in Vault).
 *
 * <p>Group commit: callers format their entry (in their own thread) and enqueue it; the broker's writer thread, or
 * for asynchronous entries one event loop at a time ({@link #logResponseAsync}), writes everything queued in one write
 * per device, so concurrent requests share one write and optional fsync. A caller either waits for its entry
 * ({@link #logRequest}, {@link #logResponse}) or, where the response can be sent later, is told the outcome
 * ({@link #logResponseAsync}) and does not wait at all. Sequence numbers are assigned under the commit lock, which
 * also serializes enable/disable/reopen/prune with writing.
 *
 * <p>State behind the barrier (the {@code Storage} given to the constructor): {@code config/devices} (the audit
 * table), {@code salt} (32 random bytes for the HMACs), {@code signing-key} (Ed25519, checkpoints),
 * {@code state/<accessor>} (a file device's last checkpointed head) and {@code store/<accessor>/...} (the store
 * device's entries).
 */
public final class AuditBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditBroker.class);
    static final String CONFIG_KEY = "config/devices";
    static final String SALT_KEY = "salt";
    /**
     * How often a caller waiting for its batch yields the CPU before it parks. A batch is written within
     * microseconds; on a small, busy machine a park/unpark pair (futex wait, wake-up, reschedule) costs more than the
     * wait, and yielding lets the writer and the other workers run meanwhile (measured: see AuditBenchmark).
     */
    private static final int SPIN_YIELDS = Integer.getInteger("keyhaven.audit.spinYields", 20);
    private static final List<WeakReference<AuditBroker>> LIVE = new CopyOnWriteArrayList<>();

    private final Storage storage;
    private final Clock clock;
    private final AuditHasher hasher;
    private final CheckpointSigner signer;
    final ReentrantLock commitLock = new ReentrantLock(); // package-private for tests that hold it
    /** Entries waiting to be written (by the writer thread or an event loop): lock-free, no monitor to hand one over. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Pending> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The writer is parked (or about to park) for lack of entries: the next caller unparks it. */
    private final java.util.concurrent.atomic.AtomicBoolean writerParked = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean stopping; // close(): no entries are taken any more
    private final Thread writer;
    private volatile List<AuditDevice> devices = List.of();
    private final ScheduledExecutorService timer;
    private final LongAdder requestFailures = new LongAdder();
    private final LongAdder responseFailures = new LongAdder();
    private final Map<String, LongAdder[]> deviceCounters = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Loads the audit table and opens every device (on unseal). A device that cannot open stays enabled but fails. */
    private volatile java.util.function.Consumer<String> failureListener = path -> { };

    /** Told the path of a device each time it fails to write entries (telemetry); must be fast and not throw. */
    public void onDeviceFailure(java.util.function.Consumer<String> listener) {
        this.failureListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    public AuditBroker(Storage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
        this.hasher = new AuditHasher(loadOrCreateSalt(storage));
        this.signer = CheckpointSigner.loadOrCreate(storage);
        List<AuditDevice> opened = new ArrayList<>();
        for (DeviceConfig c : readTable()) {
            try {
                opened.add(open(c));
            } catch (KeyhavenException e) {
                LOG.error("audit device {} ({}) could not be opened: {}; requests fail until it can be written", c.path(), c.type(), e.getMessage());
                opened.add(new BrokenDevice(c, signer, clock.instant(), e.getMessage()));
            }
        }
        this.devices = List.copyOf(opened);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-checkpoint");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::checkpointIdle, 1, 1, TimeUnit.SECONDS);
        this.writer = new Thread(this::writeLoop, "audit-writer");
        writer.setDaemon(true);
        writer.start();
        LIVE.add(new WeakReference<>(this));
    }

    private static byte[] loadOrCreateSalt(Storage s) {
        Optional<byte[]> salt = s.get(SALT_KEY);
        if (salt.isPresent()) return salt.get();
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        if (s.compareAndSet(SALT_KEY, null, fresh)) return fresh;
        return s.get(SALT_KEY).orElseThrow();
    }

    private List<DeviceConfig> readTable() {
        return storage.get(CONFIG_KEY)
                .map(b -> {
                    try {
                        return Json.MAPPER.readValue(b, new TypeReference<List<DeviceConfig>>() {});
                    } catch (IOException e) {
                        throw new IllegalStateException("audit table unreadable", e);
                    }
                })
                .orElse(List.of());
    }

    private void writeTable(List<AuditDevice> devs) {
        List<DeviceConfig> t = new ArrayList<>();
        for (AuditDevice d : devs) t.add(d.config());
        storage.put(CONFIG_KEY, Json.write(t));
    }

    private AuditDevice open(DeviceConfig c) {
        validateOptions(c);
        return switch (c.type()) {
            case "file" -> new FileAuditDevice(c, signer, clock, storedHead(c));
            case "store" -> new StoreAuditDevice(c, signer, clock, new PrefixedStorage(storage, "store/" + c.accessor() + "/"));
            default -> throw KeyhavenException.badRequest("unknown backend type: \"" + c.type() + "\"");
        };
    }

    private static final java.util.Set<String> COMMON_OPTIONS = java.util.Set.of("log_raw", "hmac_accessor", "prefix", "format",
            "elide_list_responses", "checkpoint_interval", "checkpoint_seconds");
    private static final java.util.Set<String> FILE_OPTIONS = java.util.Set.of("file_path", "path", "mode", "fsync");

    static void validateOptions(DeviceConfig c) {
        for (String k : c.options().keySet()) {
            boolean known = COMMON_OPTIONS.contains(k) || ("file".equals(c.type()) && FILE_OPTIONS.contains(k));
            if (!known) throw KeyhavenException.badRequest("unknown option \"" + k + "\" for audit device type \"" + c.type() + "\"");
        }
        String format = c.option("format", "json");
        if (!format.equals("json")) throw KeyhavenException.badRequest("unsupported 'format': \"" + format + "\" (only \"json\")");
        c.boolOption("log_raw", false);
        c.boolOption("hmac_accessor", true);
        c.boolOption("elide_list_responses", false);
        c.boolOption("fsync", false);
        AuditDevice.intOption(c, "checkpoint_interval", 5000, 1, 10_000_000);
        AuditDevice.intOption(c, "checkpoint_seconds", 60, 1, 86_400);
    }

    private AuditChain.Head storedHead(DeviceConfig c) {
        return StoreAuditDevice.readHead(new PrefixedStorage(storage, "state/" + c.accessor() + "/")).orElse(AuditChain.Head.EMPTY);
    }

    private void saveHead(AuditDevice d) {
        if (d instanceof FileAuditDevice) {
            new PrefixedStorage(storage, "state/" + d.config().accessor() + "/").put("head", StoreAuditDevice.headBytes(d.head()));
        }
    }

    // ---------------------------------------------------------------- the audit table (sys/audit)

    /**
     * Enables a device (Vault's {@code PUT sys/audit/:path}). Throws 400 for a bad path, type or option, an overlap
     * with an enabled path ({@code path already in use}), or a file that cannot be opened.
     */
    public DeviceConfig enable(String path, String type, String description, Map<String, String> options, boolean local) {
        String p = normalizePath(path);
        if (type == null || type.isBlank()) throw KeyhavenException.badRequest("missing required field 'type'");
        checkFree(p);
        byte[] rnd = new byte[4];
        new SecureRandom().nextBytes(rnd);
        DeviceConfig c = new DeviceConfig(p, type, description, options, local, "audit_" + type + "_" + HexFormat.of().formatHex(rnd));
        AuditDevice dev = open(c);
        commitLock.lock();
        try {
            checkFree(p);
            checkFileFree(dev);
            List<AuditDevice> next = new ArrayList<>(devices);
            next.add(dev);
            writeTable(next);
            devices = List.copyOf(next);
        } catch (RuntimeException e) {
            dev.close();
            throw e;
        } finally {
            commitLock.unlock();
        }
        LOG.info("audit device enabled: path={} type={} target={}", p, type, dev.describe());
        return c;
    }

    private void checkFree(String p) {
        for (AuditDevice d : devices) {
            if (d.config().path().startsWith(p) || p.startsWith(d.config().path())) throw KeyhavenException.badRequest("path already in use");
        }
    }

    /** Two devices appending to one file would interleave two chains: refuse. */
    private void checkFileFree(AuditDevice dev) {
        if (!(dev instanceof FileAuditDevice f) || f.filePath().isEmpty()) return;
        for (AuditDevice d : devices) {
            if (d instanceof FileAuditDevice g && g.filePath().equals(f.filePath())) {
                throw KeyhavenException.badRequest("file_path \"" + f.describe() + "\" is already used by audit device \"" + d.config().path() + "\"");
            }
        }
    }

    /** Disables a device; returns whether one was enabled at the path (disabling a missing path is not an error). */
    public boolean disable(String path) {
        String p = normalizePath(path);
        AuditDevice found = null;
        commitLock.lock();
        try {
            for (AuditDevice d : devices) if (d.config().path().equals(p)) found = d;
            if (found == null) return false;
            List<AuditDevice> next = new ArrayList<>(devices);
            next.remove(found);
            writeTable(next);
            devices = List.copyOf(next);
            try {
                found.checkpointIfDirty(clock.instant());
            } catch (IOException | RuntimeException e) {
                LOG.warn("audit device {}: final checkpoint failed: {}", p, e.getClass().getSimpleName());
            }
            saveHead(found);
        } finally {
            commitLock.unlock();
        }
        found.close();
        LOG.info("audit device disabled: path={}", p);
        return true;
    }

    public List<DeviceConfig> list() {
        List<DeviceConfig> out = new ArrayList<>();
        for (AuditDevice d : devices) out.add(d.config());
        return out;
    }

    public boolean hasDevices() {
        return !devices.isEmpty();
    }

    static String normalizePath(String path) {
        String p = path == null ? "" : path.trim();
        while (p.startsWith("/")) p = p.substring(1);
        if (!p.endsWith("/")) p = p + "/";
        if (p.equals("/")) throw KeyhavenException.badRequest("backend path must be specified");
        if (p.contains("//") || p.contains("..") || p.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f || ch == '*' || ch == '+')) {
            throw KeyhavenException.badRequest("invalid audit device path");
        }
        return p;
    }

    /** Vault's {@code sys/audit-hash/:path}: the HMAC the device would log for {@code input}. */
    public String hash(String path, String input) {
        device(path);
        return hasher.hash(input);
    }

    AuditDevice device(String path) {
        String p = normalizePath(path);
        for (AuditDevice d : devices) if (d.config().path().equals(p)) return d;
        throw KeyhavenException.badRequest("unknown audit backend \"" + p + "\"");
    }

    public String publicKeyPem() {
        return signer.publicKeyPem();
    }

    public String keyId() {
        return signer.keyId();
    }

    /** The device's current head (last sequence number and hash), signed now: for {@code verify --expect-head}. */
    public Map<String, Object> signedHead(String path) {
        AuditDevice d = device(path);
        commitLock.lock();
        try {
            AuditChain.Head h = d.head();
            String time = EntryFormatter.time(clock.instant());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", h.seq());
            m.put("hash", h.hash());
            m.put("time", time);
            m.put("key_id", signer.keyId());
            m.put("signature", signer.sign(AuditChain.checkpointMessage(h.seq() + 1, h.hash(), time, signer.keyId())));
            return m;
        } finally {
            commitLock.unlock();
        }
    }

    // ---------------------------------------------------------------- logging

    /** Logs the request entry; returns once a device accepted it, else throws 503 (nothing may be executed). */
    public void logRequest(AuditEvent event) {
        commit(null, new Pending(event, null, null, true));
    }

    /** Logs the request entry of a request refused before it ran (e.g. permission denied), with Vault's {@code error}. */
    public void logRequest(AuditEvent event, KeyhavenException error) {
        commit(null, new Pending(event, null, error, true));
    }

    /**
     * For a request that changes nothing (read, list): formats the request entry now, at arrival, and writes it
     * together with the response entry in {@link #logResponse}, so the caller waits for the log once instead of
     * twice. Nothing of the response leaves before both entries are accepted; if the request entry is refused the
     * call fails with the same 503 as {@link #logRequest}. Must be followed by a {@code logResponse} for the event.
     */
    public void deferRequest(AuditEvent event) {
        Pending p = new Pending(event, null, null, true);
        List<AuditDevice> devs = devices;
        Instant now = clock.instant();
        for (AuditDevice d : devs) p.body(d.format, now); // format outside any lock
        event.deferred = p;
    }

    /** Logs the response entry; returns once a device accepted it, else throws 503 (the response must be dropped). */
    public void logResponse(AuditEvent event, Response response) {
        commit(takeDeferred(event), new Pending(event, response, null, false));
    }

    /** Logs a response entry for a failed request (Vault's {@code error} field). */
    public void logResponse(AuditEvent event, KeyhavenException error) {
        commit(takeDeferred(event), new Pending(event, null, error, false));
    }

    /** Told the outcome of an asynchronously logged entry: {@code failure} is null once a device accepted it. */
    @FunctionalInterface
    public interface Outcome {
        void done(KeyhavenException failure);
    }

    /**
     * Logs the response entry (and a deferred request entry) without waiting: {@code outcome} is called once a device
     * accepted both entries ({@code null}) or none did (the 503 {@link #logResponse} would throw). The caller must
     * not let anything of the response leave before that, and {@code outcome} must be quick and must not throw.
     *
     * <p>Who writes: with {@code writeOn} (the HTTP server passes the connection's event loop, which sends the answer
     * anyway) and only devices that write into the page cache ({@link AuditDevice#quickWrites()}), a drain task on
     * {@code writeOn} writes everything queued as batches and calls the outcomes there, unless a drain is already
     * scheduled or running (on this or another event loop): then that drain takes the entry, and no thread is woken
     * for it, which on a small machine costs more than the write. Otherwise, if {@code writeOn} refuses the task, or
     * once a drain has written {@link #DRAIN_BATCHES} batches, the broker's writer thread does it. {@code outcome} may
     * also run right here (no device: nothing to wait for).
     */
    public void logResponseAsync(AuditEvent event, Response response, java.util.concurrent.Executor writeOn, Outcome outcome) {
        Pending first = takeDeferred(event);
        Pending p = new Pending(event, response, null, false);
        p.outcome = java.util.Objects.requireNonNull(outcome, "outcome");
        List<AuditDevice> devs = devices;
        boolean here = writeOn != null && quickWritesOnly(devs);
        if (!enqueue(devs, first, p, !here)) {
            outcome.done(null); // no device: nothing to wait for
            return;
        }
        if (!here) return;
        // one drain at a time, on whichever event loop scheduled it first: an entry queued meanwhile is written by
        // that drain (it looks at the queue again before it ends), so its own event loop is not woken up twice,
        // once to find the commit lock taken and once more for the answer
        if (!drainScheduled.compareAndSet(false, true)) return;
        try {
            writeOn.execute(drainHere);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            drainScheduled.set(false);
            wakeWriter(); // the event loop is shutting down
        }
    }

    /** At most this many batches per {@link #drainHere} task. */
    private static final int DRAIN_BATCHES = 16;
    /** A {@link #drainHere} task is scheduled or running (there is at most one). */
    private final java.util.concurrent.atomic.AtomicBoolean drainScheduled = new java.util.concurrent.atomic.AtomicBoolean();

    private static boolean quickWritesOnly(List<AuditDevice> devs) {
        for (AuditDevice d : devs) if (!d.quickWrites()) return false;
        return true;
    }

    private static Pending takeDeferred(AuditEvent event) {
        Object d = event.deferred;
        event.deferred = null;
        return (Pending) d;
    }

    private final class Pending {
        final AuditEvent event;
        final Response response;
        final KeyhavenException error;
        final boolean request;
        private final PerFormat<AuditChain.Body> bodies = new PerFormat<>();
        Pending companion; // a deferred request entry written in the same batch, just before this one
        volatile boolean done; // set by whoever wrote the batch, after it
        Thread thread; // the caller waiting for this entry (null when it is told through outcome)
        Outcome outcome;
        volatile boolean accepted;

        Pending(AuditEvent event, Response response, KeyhavenException error, boolean request) {
            this.event = event;
            this.response = response;
            this.error = error;
            this.request = request;
        }

        /** The formatted entry for a format: made once (by its caller, or by whoever writes, for a device enabled meanwhile). */
        synchronized AuditChain.Body body(FormatOptions o, Instant now) {
            AuditChain.Body b = bodies.get(o);
            if (b != null) return b;
            byte[] bytes = request
                    ? EntryFormatter.request(event, error, hasher, o, now)
                    : EntryFormatter.response(event, response, error, hasher, o, now);
            return bodies.putIfAbsent(o, AuditChain.startLine(o.prefixBytes(), bytes));
        }
    }

    /**
     * Writes {@code first} (a deferred request entry, or null) and {@code p} as adjacent entries of one batch and
     * returns once both are accepted by a device; throws 503 otherwise.
     */
    private void commit(Pending first, Pending p) {
        p.thread = Thread.currentThread();
        if (!enqueue(devices, first, p, true)) return;
        // Spin-then-park: a batch is written within microseconds; yielding first lets the writer and the other
        // workers run, and a park/unpark pair (futex wait, wake-up, reschedule) is paid only for a longer wait.
        for (int i = 0; i < SPIN_YIELDS && !p.done; i++) Thread.yield();
        boolean interrupted = false;
        while (!p.done) {
            java.util.concurrent.locks.LockSupport.park(this);
            if (Thread.interrupted()) interrupted = true; // the entry is in flight: wait for its outcome regardless
        }
        if (interrupted) Thread.currentThread().interrupt();
        KeyhavenException failure = failure(p);
        if (failure != null) throw failure;
    }

    /**
     * Formats the entries for the devices {@code devs} (in the caller's thread) and queues them, waking the writer
     * thread if {@code wake}; false if there is no device (nothing to log). Throws 503 after close.
     */
    private boolean enqueue(List<AuditDevice> devs, Pending first, Pending p, boolean wake) {
        if (devs.isEmpty()) return false;
        if (closed) throw unavailable(first != null || p.request);
        Instant now = clock.instant();
        for (AuditDevice d : devs) {
            if (first != null) first.body(d.format, now);
            p.body(d.format, now); // format outside any lock
        }
        p.companion = first;
        if (stopping) throw unavailable(first != null || p.request);
        queue.offer(p);
        if (stopping && queue.remove(p)) throw unavailable(first != null || p.request); // raced with close()
        if (wake) wakeWriter();
        return true;
    }

    private void wakeWriter() {
        if (writerParked.get() && writerParked.compareAndSet(true, false)) java.util.concurrent.locks.LockSupport.unpark(writer);
    }

    private final Runnable drainHere = this::drainHere;

    /**
     * The scheduled drain ({@link #logResponseAsync}): writes everything queued, batch after batch, in the calling
     * thread (an event loop) and tells the callers, until the queue is empty; if another thread holds the commit lock,
     * or a slow device was enabled meanwhile, hands the entries to the writer thread instead. After
     * {@link #DRAIN_BATCHES} batches the writer thread takes over too, so a steady stream of entries from other
     * connections cannot keep this event loop from its own I/O.
     */
    private void drainHere() {
        int batches = 0;
        while (true) {
            boolean handedOff = false;
            while (!queue.isEmpty()) {
                // past the bound, a slow device enabled meanwhile (its entries are the writer's), or the lock held
                // elsewhere: the writer thread, woken below, takes the entries (it waits for the lock if need be)
                if (++batches > DRAIN_BATCHES || !quickWritesOnly(devices) || !writeQueued(false)) {
                    handedOff = true;
                    break;
                }
            }
            drainScheduled.set(false);
            // an entry queued while this drain was ending found it scheduled and left itself to it
            if (queue.isEmpty()) return;
            if (handedOff) {
                wakeWriter();
                return;
            }
            if (!drainScheduled.compareAndSet(false, true)) return; // a new drain took over
        }
    }

    /**
     * Takes the commit lock ({@code wait}ing for it, or giving up at once: false), writes everything queued as one
     * batch, lets go of the lock and tells the callers.
     */
    private boolean writeQueued(boolean wait) {
        if (wait) commitLock.lock();
        else if (!commitLock.tryLock()) return false;
        List<Pending> batch = new ArrayList<>();
        try {
            for (Pending q; (q = queue.poll()) != null; ) batch.add(q);
            try {
                writeBatch(batch);
            } catch (RuntimeException | Error e) {
                LOG.error("audit: writing a batch failed: {}", e.getClass().getSimpleName()); // the entries count as refused
            }
        } finally {
            commitLock.unlock();
        }
        complete(batch);
        return true;
    }

    /** The 503 for an entry (or its deferred request entry) that no device accepted, counted; null if accepted. */
    private KeyhavenException failure(Pending p) {
        if (p.companion != null && !p.companion.accepted) {
            requestFailures.increment();
            return unavailable(true);
        }
        if (!p.accepted) {
            (p.request ? requestFailures : responseFailures).increment();
            return unavailable(p.request);
        }
        return null;
    }

    /** The writer thread: takes everything queued, writes it as one batch per device, tells the callers. */
    private void writeLoop() {
        while (true) {
            if (queue.isEmpty()) {
                if (stopping) return; // everything queued is written
                writerParked.set(true);
                if (queue.isEmpty() && !stopping) java.util.concurrent.locks.LockSupport.park(this); // unparked by the next entry
                writerParked.set(false);
                continue;
            }
            writeQueued(true);
        }
    }

    /** After a batch, outside the lock: wakes the callers that wait, and tells the others through their outcome. */
    private void complete(List<Pending> batch) {
        for (Pending q : batch) {
            q.done = true;
            if (q.outcome != null) {
                try {
                    q.outcome.done(failure(q));
                } catch (RuntimeException e) {
                    LOG.error("audit: a completion failed: {}", e.getClass().getSimpleName());
                }
            } else {
                java.util.concurrent.locks.LockSupport.unpark(q.thread);
            }
        }
    }

    private static KeyhavenException unavailable(boolean request) {
        return new KeyhavenException(ErrorCode.UNAVAILABLE,
                "no audit backend succeeded in logging the " + (request ? "request" : "response"));
    }

    /** Under the commit lock: writes a batch to every device, one write per device, and records who accepted it. */
    private void writeBatch(List<Pending> batch) {
        if (batch.isEmpty() || closed) return; // after close nothing is written: the entries fail (503)
        Instant now = clock.instant();
        List<AuditDevice> devs = healBroken(devices);
        for (AuditDevice d : devs) {
            List<AuditChain.Body> bodies = new ArrayList<>(batch.size() + 8);
            for (Pending q : batch) {
                if (q.companion != null) bodies.add(q.companion.body(d.format, now));
                bodies.add(q.body(d.format, now));
            }
            LongAdder[] c = counters(d);
            try {
                d.append(bodies, now);
                for (Pending q : batch) {
                    q.accepted = true;
                    if (q.companion != null) q.companion.accepted = true;
                }
                c[0].add(bodies.size());
            } catch (IOException | RuntimeException e) {
                c[1].add(bodies.size());
                String why = e instanceof IOException io ? FileAuditDevice.reason(io) : e.getClass().getSimpleName();
                LOG.error("audit device {} ({}) failed to log {} entr{}: {}", d.config().path(), d.describe(), bodies.size(),
                        bodies.size() == 1 ? "y" : "ies", why);
                failureListener.accept(d.config().path());
            }
        }
    }

    /** Under the commit lock: retries opening devices that failed at unseal, so they heal once writable. */
    private List<AuditDevice> healBroken(List<AuditDevice> devs) {
        boolean any = false;
        for (AuditDevice d : devs) any |= d instanceof BrokenDevice;
        if (!any) return devs;
        List<AuditDevice> next = new ArrayList<>(devs.size());
        for (AuditDevice d : devs) {
            if (d instanceof BrokenDevice) {
                try {
                    AuditDevice fresh = open(d.config());
                    LOG.info("audit device {} is writable again", d.config().path());
                    next.add(fresh);
                    continue;
                } catch (RuntimeException e) {
                    // still broken
                }
            }
            next.add(d);
        }
        devices = List.copyOf(next);
        return devices;
    }

    private LongAdder[] counters(AuditDevice d) {
        return deviceCounters.computeIfAbsent(d.config().path(), k -> new LongAdder[] {new LongAdder(), new LongAdder()});
    }

    private void checkpointIdle() {
        if (closed) return;
        // look first without the lock (a stale answer only delays the checkpoint by a second): taking the commit lock
        // every second for nothing would make event loops leave their batches to the writer thread meanwhile
        boolean due = false;
        Instant at = clock.instant();
        for (AuditDevice d : devices) due |= d.checkpointDue(at);
        if (!due) return;
        try {
            if (!commitLock.tryLock(100, TimeUnit.MILLISECONDS)) return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            Instant now = clock.instant();
            for (AuditDevice d : devices) {
                if (!d.checkpointDue(now)) continue;
                try {
                    d.checkpointIfDirty(now);
                    saveHead(d);
                } catch (IOException | RuntimeException e) {
                    LOG.error("audit device {}: checkpoint failed: {}", d.config().path(),
                            e instanceof IOException io ? FileAuditDevice.reason(io) : e.getClass().getSimpleName());
                }
            }
        } finally {
            commitLock.unlock();
        }
    }

    /** Counters for the metrics endpoint: {@code audit.log_request_failure}, {@code audit.log_response_failure}, per device entries/failures. */
    public Map<String, Long> metrics() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("audit.log_request_failure", requestFailures.sum());
        m.put("audit.log_response_failure", responseFailures.sum());
        for (Map.Entry<String, LongAdder[]> e : deviceCounters.entrySet()) {
            m.put("audit.device." + e.getKey() + "entries", e.getValue()[0].sum());
            m.put("audit.device." + e.getKey() + "failures", e.getValue()[1].sum());
        }
        return m;
    }

    // ---------------------------------------------------------------- SIGHUP, store access, lifecycle

    /** Reopens every file device of this broker (logrotate's SIGHUP). Failures are logged; the device then fails closed until it can reopen. */
    public void reopen() {
        commitLock.lock();
        try {
            for (AuditDevice d : devices) {
                try {
                    d.reopen();
                } catch (IOException e) {
                    LOG.error("audit device {}: reopen of {} failed: {}", d.config().path(), d.describe(), FileAuditDevice.reason(e));
                }
            }
        } finally {
            commitLock.unlock();
        }
    }

    /** Reopens the file devices of every live broker in this JVM: call from a SIGHUP handler ({@link AuditSignals}). */
    public static void reopenAll() {
        for (WeakReference<AuditBroker> ref : LIVE) {
            AuditBroker b = ref.get();
            if (b == null) LIVE.remove(ref);
            else if (!b.closed) b.reopen();
        }
    }

    /** The store device at {@code path} (for query, export and prune). 400 if there is none, or it is not a store. */
    public StoreAuditDevice store(String path) {
        AuditDevice d = device(path);
        if (d instanceof StoreAuditDevice s) return s;
        throw KeyhavenException.badRequest("audit device \"" + d.config().path() + "\" is not a store device");
    }

    /**
     * Prunes the store device: deletes entries before {@code firstKept}. {@code prevOfFirstKept} must equal the
     * hash of the last entry being deleted (what the caller backed up), so nothing is deleted that was not backed up.
     */
    public void pruneStore(String path, long firstKept, String prevOfFirstKept) {
        StoreAuditDevice s = store(path);
        AuditChain.Head anchor = s.anchor();
        if (firstKept <= anchor.seq()) throw KeyhavenException.badRequest("nothing to prune: entries before " + anchor.seq() + " are already pruned");
        String actualPrev;
        AuditChain.Head head = s.head();
        if (firstKept == head.seq() + 1) {
            actualPrev = head.hash();
        } else if (firstKept > head.seq() + 1) {
            throw KeyhavenException.badRequest("cannot prune beyond the last entry (" + head.seq() + ")");
        } else {
            byte[] line = s.line(firstKept).orElseThrow(() -> KeyhavenException.badRequest("entry " + firstKept + " not found"));
            AuditVerifier.Parsed parsed = AuditVerifier.parse(line);
            actualPrev = parsed == null ? "" : parsed.prev();
        }
        if (!actualPrev.equals(prevOfFirstKept)) {
            throw new KeyhavenException(ErrorCode.CONFLICT, "the backup does not end where the kept log begins: entry " + firstKept
                    + " records a different predecessor hash; nothing pruned");
        }
        s.prune(firstKept, prevOfFirstKept);
        LOG.info("audit device {}: pruned entries {}..{}", s.config().path(), anchor.seq(), firstKept - 1);
    }

    /** Runs a query over the store device; the most recent {@code limit} matching rows, oldest first. */
    public List<Map<String, Object>> query(String path, AuditQuery q) {
        StoreAuditDevice s = store(path);
        java.util.regex.Pattern glob = q.pathPattern();
        String hashedAccessor = q.accessor().map(hasher::hash).orElse(null);
        java.util.ArrayDeque<Map<String, Object>> rows = new java.util.ArrayDeque<>();
        long first = s.anchor().seq();
        for (long seq : s.sequences()) {
            if (seq < first) continue;
            Optional<byte[]> line = s.line(seq);
            if (line.isEmpty()) continue;
            AuditVerifier.Parsed p = AuditVerifier.parse(line.get());
            if (p == null) continue;
            Map<String, Object> row = q.match(p, glob, hashedAccessor);
            if (row == null) continue;
            rows.addLast(row);
            if (rows.size() > q.limit()) rows.removeFirst();
        }
        return new ArrayList<>(rows);
    }

    /** Raw chained lines of the store device from {@code fromSeq} (at most {@code limit}), for export, backup and verify. */
    public List<AuditDevice.Line> lines(String path, long fromSeq, int limit) {
        StoreAuditDevice s = store(path);
        long first = Math.max(fromSeq, s.anchor().seq());
        List<AuditDevice.Line> out = new ArrayList<>();
        for (long seq : s.sequences()) {
            if (seq < first) continue;
            s.line(seq).ifPresent(b -> out.add(new AuditDevice.Line(seq, b)));
            if (out.size() >= limit) break;
        }
        return out;
    }

    /** Verifies the store device's chain from its anchor (with checkpoint signatures, by this install's key). */
    public AuditVerifier.Result verifyStore(String path) {
        StoreAuditDevice s = store(path);
        AuditChain.Head anchor = s.anchor();
        List<byte[]> lines = new ArrayList<>();
        if (anchor.seq() > 1) lines.add(AuditPruner.anchor(anchor.seq(), anchor.hash(), null));
        for (long seq : s.sequences()) {
            if (seq < anchor.seq()) continue;
            s.line(seq).ifPresent(lines::add);
        }
        AuditChain.Head head = s.head();
        return new AuditVerifier(Optional.of(signer.publicKey()), Optional.of(head))
                .verify(List.of(new AuditVerifier.Source("store " + s.config().path(), lines.iterator())));
    }

    /**
     * In-server retention for one device: moves entries older than {@code cut} into a backup under {@code backupDir}
     * (store: {@code audit-<from>-<to>.jsonl.gz}; file: the same, next to a rewritten log that starts with an anchor).
     */
    public AuditPruner.Result pruneOlderThan(String path, Instant cut, java.nio.file.Path backupDir) throws IOException {
        AuditDevice d = device(path);
        if (d instanceof StoreAuditDevice s) {
            AuditChain.Head anchor = s.anchor();
            List<byte[]> lines = new ArrayList<>();
            long from = -1;
            long to = -1;
            String lastHash = anchor.hash();
            long total = 0;
            for (long seq : s.sequences()) {
                if (seq < anchor.seq()) continue;
                total++;
                byte[] line = s.line(seq).orElse(null);
                AuditVerifier.Parsed p = line == null ? null : AuditVerifier.parse(line);
                Instant t = p == null ? null : AuditTimes.entryTime(p);
                if (t == null || !t.isBefore(cut) || to >= 0 && seq != to + 1) break;
                if (from < 0) from = seq;
                to = seq;
                lines.add(line);
                lastHash = AuditChain.sha256Hex(line);
            }
            if (lines.isEmpty()) return new AuditPruner.Result(true, 0, 0, null, null, "", total);
            if (to >= s.head().seq()) {
                // keep the newest entry so the chain has something to carry on from
                lines.remove(lines.size() - 1);
                to--;
                if (lines.isEmpty()) return new AuditPruner.Result(true, 0, 0, null, null, "", total);
                lastHash = AuditChain.sha256Hex(lines.get(lines.size() - 1));
            }
            AuditPruner.Backup b = AuditPruner.writeBackup(backupDir, from, to, anchor.hash(), lines);
            pruneStore(path, to + 1, lastHash);
            return new AuditPruner.Result(false, from, to, b.file(), b.checksum(), b.sha256(), s.head().seq() - to);
        }
        if (d instanceof FileAuditDevice f && f.filePath().isPresent()) {
            commitLock.lock();
            try {
                f.close();
                try {
                    return AuditPruner.pruneFile(f.filePath().get(), cut, backupDir);
                } finally {
                    f.reopen();
                }
            } finally {
                commitLock.unlock();
            }
        }
        throw KeyhavenException.badRequest("audit device \"" + d.config().path() + "\" cannot be pruned (" + d.describe() + ")");
    }

    /** Scheduled retention from server config: every {@code interval}, prune every device's entries older than {@code olderThan}. */
    public void scheduleRetention(AuditRetention policy) {
        long every = policy.interval().toMillis();
        timer.scheduleWithFixedDelay(() -> runRetention(policy), every, every, TimeUnit.MILLISECONDS);
    }

    /** One retention pass over every device (what the schedule runs); returns what each device did. */
    public Map<String, String> runRetention(AuditRetention policy) {
        Map<String, String> done = new LinkedHashMap<>();
        Instant cut = clock.instant().minus(policy.olderThan());
        for (DeviceConfig c : list()) {
            if (c.type().equals("file") && (c.option("file_path", "").equalsIgnoreCase("stdout") || c.option("file_path", "").equalsIgnoreCase("discard"))) continue;
            try {
                String name = c.path().substring(0, c.path().length() - 1).replace('/', '_');
                AuditPruner.Result r = pruneOlderThan(c.path(), cut, policy.backupDir().resolve(name));
                if (!r.nothing()) LOG.info("audit retention: device {}: {}", c.path(), r.describe());
                done.put(c.path(), r.describe());
            } catch (IOException | RuntimeException e) {
                LOG.error("audit retention: device {}: {}", c.path(), e.getMessage());
                done.put(c.path(), "failed: " + e.getMessage());
            }
        }
        return done;
    }

    public Clock clock() {
        return clock;
    }

    AuditHasher hasher() {
        return hasher;
    }

    /** For tests: whether the writer thread is parked, waiting for entries (then only a wake-up makes it write). */
    boolean writerWaiting() {
        return writer.getState() == Thread.State.WAITING && writerParked.get();
    }

    /** On seal/shutdown: final checkpoints, heads saved, devices closed. Requests logged afterwards fail closed. */
    @Override
    public void close() {
        if (closed) return;
        // entries already queued are still written; later ones fail (503)
        stopping = true;
        java.util.concurrent.locks.LockSupport.unpark(writer);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        timer.shutdownNow();
        commitLock.lock();
        try {
            Instant now = clock.instant();
            for (AuditDevice d : devices) {
                try {
                    d.checkpointIfDirty(now);
                    saveHead(d);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("audit device {}: final checkpoint failed: {}", d.config().path(), e.getClass().getSimpleName());
                }
                d.close();
            }
        } finally {
            commitLock.unlock();
        }
        LIVE.removeIf(r -> r.get() == null || r.get() == this);
    }

    /** A device from the table that could not be opened at unseal: it rejects every entry (fail closed) until it can. */
    private static final class BrokenDevice extends AuditDevice {
        private final String reason;

        BrokenDevice(DeviceConfig c, CheckpointSigner signer, Instant now, String reason) {
            super(c, signer, now);
            this.reason = reason;
        }

        @Override
        protected void write(List<Line> lines, AuditChain.Head newHead) throws IOException {
            throw new IOException(reason);
        }

        @Override
        public String describe() {
            return "unavailable";
        }

        @Override
        public void close() {}
    }

}
