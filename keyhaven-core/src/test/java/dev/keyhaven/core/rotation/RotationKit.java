package dev.keyhaven.core.rotation;

import dev.keyhaven.core.testing.MutableClock;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.kv.KvV2Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.PrefixedStorage;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small in-process Keyhaven for rotation tests: one store, a KV v2 engine mounted at {@code secret/} (and any
 * other engines a test mounts), a logical client routing by mount like the server's router, and the rotation engine.
 * A "restart" builds a new rotation service over the same store.
 */
final class RotationKit {
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final Storage raw = new MemoryStorage();
    /** Every engine writes through this wrapper, which can simulate a process crash before its N-th write. */
    final CrashingStorage store = new CrashingStorage(raw);
    final Map<String, Engine> mounts = new LinkedHashMap<>();
    final List<RotationEvent> events = new CopyOnWriteArrayList<>();
    final LogicalClient logical = this::route;
    RotatorRegistry registry = RotatorRegistry.builtIn();
    RotationService service;
    RotationEngine engine;

    RotationKit() {
        mount("secret/", new KvV2Engine(new EngineContext("secret/", "kv_test", "kv", Map.of("version", "2"),
                new PrefixedStorage(store, "logical/kv/"), clock)));
        restart();
    }

    RotationKit with(Rotator r) {
        registry = registry.with(r);
        restart();
        return this;
    }

    void mount(String path, Engine e) {
        mounts.put(path, e);
    }

    /** A new service over the same storage, as after a process restart. */
    void restart() {
        service = new RotationService(new PrefixedStorage(store, "sys/rotation/"), logical, registry, events::add, clock, new Random(42));
        engine = new RotationEngine(service, new RotationScheduler(service, LeaderLock.ALWAYS, RotationScheduler.DEFAULT_TICK));
    }

    Response route(Request r) {
        for (Map.Entry<String, Engine> m : mounts.entrySet()) {
            if (r.path().startsWith(m.getKey())) {
                r.setMount(m.getKey(), "test", "test", r.path().substring(m.getKey().length()));
                Response resp = m.getValue().handle(r);
                if (resp.status() == 404 && resp.data() == null) throw KeyhavenException.notFound();
                return resp;
            }
        }
        throw KeyhavenException.notFound();
    }

    Response sys(Operation op, String rel, Map<String, Object> data) {
        Request r = Request.builder(op, "sys/rotation/" + rel).data(data).build();
        r.setMount("sys/", "system", "system", "rotation/" + rel);
        return engine.handle(r);
    }

    Response sys(Operation op, String rel) {
        return sys(op, rel, Map.of());
    }

    long kvWrite(String path, Map<String, Object> data) {
        int slash = path.indexOf('/');
        Response r = logical.handle(Request.builder(Operation.UPDATE, path.substring(0, slash) + "/data/" + path.substring(slash + 1))
                .data(Map.of("data", data)).build());
        return ((Number) r.data().get("version")).longValue();
    }

    KvAccess.Target target(String path) {
        return KvAccess.split(path, "");
    }

    /** What an SDK's current() resolves: the data of metadata.current_version. */
    Optional<SecretData> current(String path) {
        return service.kv().metadata(target(path)).flatMap(m -> service.kv().read(target(path), m.currentVersion()));
    }

    /** What an SDK's previous() resolves: the newest readable version below the current one. */
    Optional<SecretData> previous(String path) {
        return service.kv().metadata(target(path)).flatMap(KvAccess.Meta::previousReadable).flatMap(v -> service.kv().read(target(path), v));
    }

    RotationRecord record(String path) {
        return service.record(path).orElseThrow();
    }

    List<String> eventTypes() {
        List<String> out = new ArrayList<>();
        for (RotationEvent e : events) out.add(e.type());
        return out;
    }

    /** Every byte in the store outside the KV version data and pending values, as text (to look for canaries). */
    String nonValueStorageText() {
        StringBuilder sb = new StringBuilder();
        dump("", sb);
        return sb.toString();
    }

    private void dump(String prefix, StringBuilder sb) {
        for (String k : store.list(prefix)) {
            if (k.endsWith("/")) {
                dump(prefix + k, sb);
                continue;
            }
            String key = prefix + k;
            if (key.startsWith("logical/kv/versions/") || key.startsWith("sys/rotation/pending/")) continue;
            sb.append(key).append('=').append(new String(store.get(key).orElseThrow(), StandardCharsets.UTF_8)).append('\n');
        }
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
