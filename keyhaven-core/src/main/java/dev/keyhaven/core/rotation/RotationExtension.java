package dev.keyhaven.core.rotation;

import dev.keyhaven.core.CoreExtension;
import dev.keyhaven.core.Keyhaven;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.router.Router;
import dev.keyhaven.core.storage.PrefixedStorage;
import java.time.Duration;
import java.util.Optional;

/**
 * Wires rotation into a server (found by {@link java.util.ServiceLoader}): {@code sys/rotation/...} on the system
 * backend, state under {@code core/rotation/} in the barrier, other engines reached through the router as an
 * internal caller, and the scheduler ticking while the core is initialized and unsealed (single node: always the
 * leader). The tick is 30 s; the system property {@code keyhaven.rotation.tickMillis} overrides it.
 *
 * <p>Rotation events (every step, and emergency rotations as {@code rotation.incident}) go to the audit log through
 * {@link BrokerRotationAudit}. The internal logical client routes straight to the mounted engine (no token, no ACL:
 * rotation acts as the system), so the KV/transit calls it makes are not separate audit entries.
 */
public final class RotationExtension implements CoreExtension {
    public static final String STORAGE_PREFIX = "core/rotation/";

    @Override
    public void started(Keyhaven core) {
        RotationEngine engine = engine(core, tick());
        core.system().register("rotation", engine);
        engine.scheduler().start();
        // Reads of an explicit KV version that rotation has retired, or whose overlap window has ended, are counted
        // (keyhaven_previous_version_reads_after_overlap_total) and raise an expired-credential alert.
        core.addRequestObserver((req, status) -> {
            Optional<VersionedRead> read = VersionedRead.of(req);
            if (read.isEmpty()) return;
            engine.service().record(read.get().path()).filter(rec -> staleVersion(rec, read.get().version(), core.clock().instant().getEpochSecond()))
                    .ifPresent(rec -> core.telemetry().onPreviousVersionReadAfterOverlap(rec.path(), req.remoteAddress()));
        });
    }

    /** A KV v2 read of an explicit version: {@code <mount>data/<path>?version=N}, as the secret's logical path and N. */
    record VersionedRead(String path, long version) {
        static Optional<VersionedRead> of(dev.keyhaven.core.logical.Request req) {
            if (req.operation() != dev.keyhaven.core.logical.Operation.READ || !"kv".equals(req.mountType())) return Optional.empty();
            String rel = req.relativePath();
            Object v = req.data().get("version");
            if (v == null || !rel.startsWith("data/") || rel.length() == "data/".length()) return Optional.empty();
            try {
                long n = Long.parseLong(String.valueOf(v).trim());
                return n > 0 ? Optional.of(new VersionedRead(req.mountPoint() + rel.substring("data/".length()), n)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /** Whether {@code version} of a rotated secret is retired, or previous with its overlap over, at {@code nowSeconds}. */
    static boolean staleVersion(RotationRecord rec, long version, long nowSeconds) {
        for (RotationRecord.SecretVersion sv : rec.versions()) {
            if (sv.version() != version) continue;
            if (sv.state() == VersionState.RETIRED) return true;
            if (sv.state() == VersionState.PREVIOUS && sv.retireAfter() > 0 && sv.retireAfter() <= nowSeconds) return true;
        }
        return false;
    }

    /** The rotation engine of {@code core} (scheduler not started). */
    public static RotationEngine engine(Keyhaven core, Duration tick) {
        LeaderLock leader = () -> core.isInitialized() && !core.isSealed();
        return RotationEngine.create(new PrefixedStorage(core.barrier(), STORAGE_PREFIX), internalClient(core),
                counted(new BrokerRotationAudit(core::audit), core.telemetry()), core.clock(), leader, tick);
    }

    /** Also counts rotation outcomes in {@code keyhaven_rotations_total{outcome}} (after the audit accepted the event). */
    static RotationAudit counted(RotationAudit audit, dev.keyhaven.core.metrics.Telemetry telemetry) {
        return e -> {
            audit.record(e);
            switch (e.type()) {
                case "rotation.promoted" -> telemetry.onRotation("success");
                case "rotation.failed" -> telemetry.onRotation("failure");
                case "rotation.rolled_back" -> telemetry.onRotation("rolled_back");
                case "rotation.incident" -> telemetry.onRotation("emergency");
                default -> { }
            }
        };
    }

    /** Routes a request straight to the mounted engine, as the system (no token, no ACL). */
    public static LogicalClient internalClient(Keyhaven core) {
        return req -> {
            Router.Route route = core.router().route(req.path()).orElseThrow(() -> new KeyhavenException(ErrorCode.NOT_FOUND,
                    "no handler for route \"" + req.path() + "\""));
            req.setMount(route.mount().entry().path(), route.mount().entry().type(), route.mount().entry().accessor(), route.relativePath());
            return route.mount().engine().handle(req);
        };
    }

    static Duration tick() {
        String v = System.getProperty("keyhaven.rotation.tickMillis");
        if (v == null) return RotationScheduler.DEFAULT_TICK;
        try {
            return Duration.ofMillis(Math.max(50, Long.parseLong(v)));
        } catch (NumberFormatException e) {
            return RotationScheduler.DEFAULT_TICK;
        }
    }
}
