package dev.keyhaven.core.storage.memory;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageException;
import dev.keyhaven.core.storage.StorageKeys;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.logical.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A volatile in-memory backend (Vault's {@code inmem}): for tests and throw-away servers. Ordered by UTF-8 bytes
 * like the durable backends, thread-safe through one lock; passes the same contract suite.
 */
public final class MemoryStorage implements Storage {
    /** UTF-8 byte order (differs from String order for supplementary characters). */
    static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private final NavigableMap<String, byte[]> map = new TreeMap<>(UTF8_ORDER);
    private boolean closed;

    @Override
    public synchronized Optional<byte[]> get(String key) {
        open();
        byte[] v = map.get(StorageKeys.validate(key));
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    @Override
    public synchronized void put(String key, byte[] value) {
        open();
        map.put(StorageKeys.validate(key), checkValue(value).clone());
    }

    @Override
    public synchronized void delete(String key) {
        open();
        map.remove(StorageKeys.validate(key));
    }

    @Override
    public synchronized List<String> list(String prefix) {
        open();
        StorageKeys.validatePrefix(prefix);
        List<String> out = new ArrayList<>();
        String lastFolder = null;
        for (Map.Entry<String, byte[]> e : map.tailMap(prefix, true).entrySet()) {
            String k = e.getKey();
            if (!k.startsWith(prefix)) break;
            String rest = k.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash < 0) {
                out.add(rest);
            } else {
                String folder = rest.substring(0, slash + 1);
                if (!folder.equals(lastFolder)) {
                    out.add(folder);
                    lastFolder = folder;
                }
            }
        }
        out.sort(UTF8_ORDER);
        // a folder can appear between its own children in byte order; dedupe after sorting
        List<String> dedup = new ArrayList<>(out.size());
        for (String s : out) if (dedup.isEmpty() || !dedup.get(dedup.size() - 1).equals(s)) dedup.add(s);
        return dedup;
    }

    @Override
    public synchronized void batch(List<StorageOp> ops) {
        open();
        for (StorageOp op : ops) {
            StorageKeys.validate(op.key());
            if (!op.isDelete()) checkValue(op.value());
        }
        for (StorageOp op : ops) {
            if (op.isDelete()) map.remove(op.key());
            else map.put(op.key(), op.value().clone());
        }
    }

    @Override
    public synchronized boolean compareAndSet(String key, byte[] expected, byte[] value) {
        open();
        StorageKeys.validate(key);
        if (value != null) checkValue(value);
        byte[] cur = map.get(key);
        boolean matches = expected == null ? cur == null : cur != null && Arrays.equals(cur, expected);
        if (!matches) return false;
        if (value == null) map.remove(key);
        else map.put(key, value.clone());
        return true;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void open() {
        if (closed) throw new StorageException(ErrorCode.UNAVAILABLE, "storage is closed");
    }

    private static byte[] checkValue(byte[] value) {
        if (value == null) throw new StorageException(ErrorCode.BAD_REQUEST, "value must not be null");
        if (value.length > MAX_VALUE_BYTES) throw new StorageException(ErrorCode.BAD_REQUEST, "value larger than " + MAX_VALUE_BYTES + " bytes");
        return value;
    }
}
