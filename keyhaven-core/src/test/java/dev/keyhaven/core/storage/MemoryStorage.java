package dev.keyhaven.core.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A thread-safe, sorted, in-memory {@link Storage} for tests: the SPI's key rules, value limit, folder-style listing
 * (UTF-8 byte order), atomic batches and compare-and-set. Values are copied in and out.
 */
public final class MemoryStorage implements Storage {
    private static final Comparator<String> UTF8 = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private final TreeMap<String, byte[]> map = new TreeMap<>(UTF8);
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    @Override
    public Optional<byte[]> get(String key) {
        StorageKeys.validate(key);
        lock.readLock().lock();
        try {
            byte[] v = map.get(key);
            return v == null ? Optional.empty() : Optional.of(v.clone());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void put(String key, byte[] value) {
        batch(List.of(StorageOp.put(key, value)));
    }

    @Override
    public void delete(String key) {
        batch(List.of(StorageOp.delete(key)));
    }

    @Override
    public List<String> list(String prefix) {
        StorageKeys.validatePrefix(prefix);
        TreeSet<String> children = new TreeSet<>(UTF8);
        lock.readLock().lock();
        try {
            for (Map.Entry<String, byte[]> e : map.tailMap(prefix, true).entrySet()) {
                String k = e.getKey();
                if (!k.startsWith(prefix)) break;
                String rest = k.substring(prefix.length());
                int slash = rest.indexOf('/');
                children.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        } finally {
            lock.readLock().unlock();
        }
        return new ArrayList<>(children);
    }

    @Override
    public void batch(List<StorageOp> ops) {
        for (StorageOp op : ops) {
            StorageKeys.validate(op.key());
            checkValue(op.value());
        }
        lock.writeLock().lock();
        try {
            for (StorageOp op : ops) {
                if (op.isDelete()) map.remove(op.key());
                else map.put(op.key(), op.value().clone());
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        StorageKeys.validate(key);
        checkValue(value);
        lock.writeLock().lock();
        try {
            byte[] current = map.get(key);
            if (expected == null ? current != null : !Arrays.equals(current, expected)) return false;
            if (value == null) map.remove(key);
            else map.put(key, value.clone());
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Every key currently stored, in order (for tests that check what an engine left behind). */
    public List<String> keys() {
        lock.readLock().lock();
        try {
            return new ArrayList<>(map.keySet());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A copy of every value (for tests that look for plaintext where none should be). */
    public List<byte[]> values() {
        lock.readLock().lock();
        try {
            List<byte[]> out = new ArrayList<>();
            for (byte[] v : map.values()) out.add(v.clone());
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    private static void checkValue(byte[] value) {
        if (value != null && value.length > MAX_VALUE_BYTES) {
            throw new StorageException(dev.keyhaven.core.logical.ErrorCode.BAD_REQUEST, "value larger than " + MAX_VALUE_BYTES + " bytes");
        }
    }

    @Override
    public void close() {}
}
