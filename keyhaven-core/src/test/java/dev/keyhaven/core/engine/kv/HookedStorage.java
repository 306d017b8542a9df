package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A storage view that runs a one-shot action just before the next compare-and-set reaches the store: the way to
 * make "another node changed the secret between my read and my CAS" happen deterministically.
 */
final class HookedStorage implements Storage {
    private final Storage inner;
    private final AtomicReference<Runnable> beforeNextCas = new AtomicReference<>();
    final AtomicInteger failedCas = new AtomicInteger();

    HookedStorage(Storage inner) {
        this.inner = inner;
    }

    void beforeNextCas(Runnable action) {
        beforeNextCas.set(action);
    }

    @Override
    public Optional<byte[]> get(String key) {
        return inner.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
        inner.put(key, value);
    }

    @Override
    public void delete(String key) {
        inner.delete(key);
    }

    @Override
    public List<String> list(String prefix) {
        return inner.list(prefix);
    }

    @Override
    public void batch(List<StorageOp> ops) {
        inner.batch(ops);
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        Runnable hook = beforeNextCas.getAndSet(null);
        if (hook != null) hook.run();
        boolean ok = inner.compareAndSet(key, expected, value);
        if (!ok) failedCas.incrementAndGet();
        return ok;
    }

    @Override
    public void close() {}
}
