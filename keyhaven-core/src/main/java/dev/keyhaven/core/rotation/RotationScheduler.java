package dev.keyhaven.core.rotation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs due rotations on the leader node: resumes interrupted rotations first, then every {@code tick} retires
 * previous versions whose overlap ended and rotates secrets whose next rotation (interval plus a small, non-negative
 * jitter) has come. Failures back off exponentially per secret. {@link #runDue(Instant)} is the whole pass and is
 * what tests call with an injected clock.
 */
public final class RotationScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RotationScheduler.class);
    public static final Duration DEFAULT_TICK = Duration.ofSeconds(30);

    private final RotationService service;
    private final LeaderLock leader;
    private final Clock clock;
    private final Duration tick;
    private final AtomicBoolean recovered = new AtomicBoolean();
    private ScheduledExecutorService executor;

    public RotationScheduler(RotationService service, LeaderLock leader, Duration tick) {
        this.service = service;
        this.leader = leader;
        this.clock = service.clock();
        this.tick = tick;
    }

    /** One pass at {@code now}; does nothing on a node that is not the leader. Returns whether it ran. */
    public boolean runDue(Instant now) {
        if (!leader.isLeader()) {
            recovered.set(false); // a node that regains leadership resumes whatever the old leader left in flight
            return false;
        }
        if (recovered.compareAndSet(false, true)) service.recover();
        service.runDue(now);
        return true;
    }

    public synchronized void start() {
        if (executor != null) return;
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keyhaven-rotation-scheduler");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                runDue(clock.instant());
            } catch (RuntimeException e) {
                LOG.warn("rotation scheduler pass failed: {}", RotationService.describe(e));
            }
        }, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (executor == null) return;
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor = null;
    }
}
