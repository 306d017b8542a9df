package dev.keyhaven.core.storage;

import java.util.Arrays;
import java.util.Objects;

/** One operation of an atomic {@link Storage#batch(java.util.List)}: a put (value != null) or a delete. */
public record StorageOp(String key, byte[] value) {
    public StorageOp {
        Objects.requireNonNull(key, "key");
    }

    public static StorageOp put(String key, byte[] value) {
        return new StorageOp(key, Objects.requireNonNull(value, "value"));
    }

    public static StorageOp delete(String key) {
        return new StorageOp(key, null);
    }

    public boolean isDelete() {
        return value == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StorageOp other && key.equals(other.key) && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return isDelete() ? "delete(" + key + ")" : "put(" + key + ", " + value.length + " bytes)";
    }
}
