package dev.keyhaven.core.storage.cache;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read cache in front of a physical backend (Vault's physical cache): recently read values — which are barrier
 * ciphertext, never plaintext — are answered from memory. Only for a backend this process owns exclusively (the
 * SQLite file is locked by its server); a store shared by several nodes must not be cached.
 *
 * <p>Consistency: every write bumps a sequence number before and after it reaches the backend and invalidates its
 * keys in between; a read only fills the cache if no write started or ended while it read (check and fill under the
 * cache lock), so a stale value can never be cached over a newer one. Absent keys are cached too (as a marker), since
 * hot paths look up optional records (engine config, revoked-token markers) on every request.
 */
public final class CachingStorage implements Storage {
    private final Storage inner;
    private final int maxValueBytes;
    private final LinkedHashMap<String, byte[]> lru;
    private long writeSeq;
    /** Marks a key known to be absent. Compared by identity. */
    private static final byte[] ABSENT = new byte[0];

    public CachingStorage(Storage inner, int maxEntries, int maxValueBytes) {
        this.inner = inner;
        this.maxValueBytes = maxValueBytes;
        this.lru = new LinkedHashMap<>(1024, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > maxEntries;
            }
        };
    }

    @Override
    public Optional<byte[]> get(String key) {
        long seq;
        synchronized (lru) {
            byte[] hit = lru.get(key);
            if (hit == ABSENT) return Optional.empty();
            if (hit != null) return Optional.of(hit.clone());
            seq = writeSeq;
        }
        Optional<byte[]> v = inner.get(key);
        if (v.isEmpty() || v.get().length <= maxValueBytes) {
            synchronized (lru) {
                if (writeSeq == seq) lru.put(key, v.isEmpty() ? ABSENT : v.get().clone());
            }
        }
        return v;
    }

    @Override
    public void put(String key, byte[] value) {
        write(List.of(key), () -> inner.put(key, value));
    }

    @Override
    public void delete(String key) {
        write(List.of(key), () -> inner.delete(key));
    }

    @Override
    public List<String> list(String prefix) {
        return inner.list(prefix);
    }

    @Override
    public void batch(List<StorageOp> ops) {
        write(ops.stream().map(StorageOp::key).toList(), () -> inner.batch(ops));
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        boolean[] applied = new boolean[1];
        write(List.of(key), () -> applied[0] = inner.compareAndSet(key, expected, value));
        return applied[0];
    }

    private void write(List<String> keys, Runnable op) {
        synchronized (lru) {
            writeSeq++;
            for (String k : keys) lru.remove(k);
        }
        try {
            op.run();
        } finally {
            synchronized (lru) {
                for (String k : keys) lru.remove(k);
                writeSeq++;
            }
        }
    }

    @Override
    public void close() {
        synchronized (lru) {
            lru.clear();
        }
        inner.close();
    }
}
