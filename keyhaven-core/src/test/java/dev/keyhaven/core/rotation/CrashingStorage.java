package dev.keyhaven.core.rotation;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Simulates a process dying between two durable writes: when armed with N, the N-th write (put, delete, batch,
 * successful or not CAS) throws {@link Crash} before it happens, and so does every later write until disarmed, so
 * nothing else becomes durable after the "crash". Reads pass through.
 */
final class CrashingStorage implements Storage {
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash() {
            super("simulated crash", null, false, false);
        }
    }

    private final Storage inner;
    private final AtomicInteger writes = new AtomicInteger();
    private volatile int crashAt = Integer.MAX_VALUE;

    CrashingStorage(Storage inner) {
        this.inner = inner;
    }

    void arm(int n) {
        writes.set(0);
        crashAt = n;
    }

    void disarm() {
        crashAt = Integer.MAX_VALUE;
    }

    int writes() {
        return writes.get();
    }

    private void write() {
        if (writes.incrementAndGet() >= crashAt) throw new Crash();
    }

    @Override
    public Optional<byte[]> get(String key) {
        return inner.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
        write();
        inner.put(key, value);
    }

    @Override
    public void delete(String key) {
        write();
        inner.delete(key);
    }

    @Override
    public List<String> list(String prefix) {
        return inner.list(prefix);
    }

    @Override
    public void batch(List<StorageOp> ops) {
        write();
        inner.batch(ops);
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        write();
        return inner.compareAndSet(key, expected, value);
    }

    @Override
    public void close() {
        inner.close();
    }
}
