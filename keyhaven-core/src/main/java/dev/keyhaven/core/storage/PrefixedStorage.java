package dev.keyhaven.core.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A view of another storage under a fixed prefix (e.g. {@code logical/<mount-uuid>/}); what an engine receives. */
public final class PrefixedStorage implements Storage {
    private final Storage inner;
    private final String prefix;

    public PrefixedStorage(Storage inner, String prefix) {
        this.inner = inner;
        this.prefix = StorageKeys.validatePrefix(prefix);
    }

    public String prefix() {
        return prefix;
    }

    @Override
    public Optional<byte[]> get(String key) {
        return inner.get(prefix + StorageKeys.validate(key));
    }

    @Override
    public void put(String key, byte[] value) {
        inner.put(prefix + StorageKeys.validate(key), value);
    }

    @Override
    public void delete(String key) {
        inner.delete(prefix + StorageKeys.validate(key));
    }

    @Override
    public List<String> list(String p) {
        return inner.list(prefix + StorageKeys.validatePrefix(p));
    }

    @Override
    public void batch(List<StorageOp> ops) {
        List<StorageOp> mapped = new ArrayList<>(ops.size());
        for (StorageOp op : ops) mapped.add(new StorageOp(prefix + StorageKeys.validate(op.key()), op.value()));
        inner.batch(mapped);
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        return inner.compareAndSet(prefix + StorageKeys.validate(key), expected, value);
    }

    /** A view never closes the store it looks into. */
    @Override
    public void close() {}
}
