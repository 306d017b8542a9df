package dev.keyhaven.core.storage;

import java.util.List;
import java.util.Optional;

/**
 * The storage SPI: an ordered key → bytes store. Backends (SQLite, PostgreSQL) and the encrypting barrier all
 * implement it, so engines see one shape at every layer.
 *
 * <p>Keys are validated by {@link StorageKeys#validate(String)}: non-empty UTF-8, no leading slash, no empty,
 * {@code .} or {@code ..} segments, no control characters, at most 1024 bytes. Values are at most
 * {@link #MAX_VALUE_BYTES} bytes.
 *
 * <p>Every method is safe for concurrent use. A method returns only after its change is durable.
 */
public interface Storage extends AutoCloseable {
    /** Largest value a backend must accept (1 MiB plus room for barrier framing). */
    int MAX_VALUE_BYTES = 1024 * 1024 + 4096;

    Optional<byte[]> get(String key);

    void put(String key, byte[] value);

    /** Deleting a missing key is not an error. */
    void delete(String key);

    /**
     * Direct children of {@code prefix} (which is empty or ends in {@code /}), sorted by UTF-8 byte order,
     * relative to the prefix; a child that has children of its own is listed once with a trailing {@code /}
     * (a key that is both a value and a folder appears twice: {@code a} and {@code a/}).
     */
    List<String> list(String prefix);

    /** Applies all operations atomically: all or none. */
    void batch(List<StorageOp> ops);

    /**
     * Atomically replaces the value at {@code key} if its current value equals {@code expected}
     * ({@code null} = the key must be absent). {@code value == null} deletes. Returns whether it applied.
     */
    boolean compareAndSet(String key, byte[] expected, byte[] value);

    @Override
    void close();
}
