package dev.keyhaven.core.storage.sqlite;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageException;
import dev.keyhaven.core.storage.StorageKeys;
import dev.keyhaven.core.storage.StorageOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded backend: one SQLite file in WAL mode with {@code synchronous=FULL}.
 *
 * <p>Writes use <em>group commit</em>: every put, delete, batch and compare-and-set is queued for a single writer
 * thread that owns the only write connection. It drains whatever is pending into one transaction (each operation in
 * its own savepoint, so one failing operation does not abort the others), commits once (one fsync of the WAL), and
 * only then completes the callers' futures. A caller therefore returns only after its change is durable, while many
 * concurrent callers share one fsync. Reads use a small pool of separate connections; WAL lets them run alongside
 * the writer and see the last committed state.
 *
 * <p>Schema: {@code kv(key TEXT PRIMARY KEY, value BLOB)} with SQLite's BINARY collation, so key order is UTF-8
 * byte order. The schema version is kept in {@code PRAGMA user_version} and migrated on open.
 */
public final class SqliteStorage implements Storage {
    /** The schema version this code writes. */
    public static final int SCHEMA_VERSION = 1;

    private static final Logger log = LoggerFactory.getLogger(SqliteStorage.class);
    private static final int MAX_GROUP_OPS = 512;
    private static final long MAX_GROUP_BYTES = 16L * 1024 * 1024;

    private final Path file;
    private final Connection writer;
    private final BlockingQueue<Connection> readers;
    private final List<Connection> allReaders = new ArrayList<>();
    private final BlockingQueue<WriteTask> queue = new LinkedBlockingQueue<>();
    private final Thread writerThread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile java.nio.channels.FileChannel lockChannel;

    private SqliteStorage(Path file, int readConnections) {
        this.file = file;
        this.writer = openWriter(file);
        this.readers = new ArrayBlockingQueue<>(readConnections);
        try {
            for (int i = 0; i < readConnections; i++) {
                Connection c = connect(file);
                try (Statement st = c.createStatement()) {
                    st.execute("PRAGMA query_only=ON");
                    st.execute("PRAGMA busy_timeout=10000");
                }
                allReaders.add(c);
                readers.add(c);
            }
        } catch (SQLException e) {
            closeQuietly();
            throw new StorageException("cannot open storage file " + file + ": " + describe(e), e);
        }
        this.writerThread = new Thread(this::writerLoop, "sqlite-writer");
        this.writerThread.setDaemon(true);
        this.writerThread.start();
    }

    /**
     * Opens (creating if needed) the store at {@code file}. Problems (directory not writable, not a SQLite file,
     * corrupt, schema from a newer version) raise a {@link StorageException} whose message is one readable line.
     */
    public static SqliteStorage open(Path file, int readConnections) {
        Path abs = file.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException(ErrorCode.INTERNAL, "cannot create storage directory " + dir + ": " + ioReason(e));
        }
        if (!Files.isDirectory(dir)) throw new StorageException(ErrorCode.INTERNAL, "storage directory " + dir + " is not a directory");
        if (!Files.isWritable(dir)) throw new StorageException(ErrorCode.INTERNAL, "storage directory " + dir + " is not writable");
        if (Files.exists(abs) && !Files.isRegularFile(abs)) throw new StorageException(ErrorCode.INTERNAL, "storage path " + abs + " is not a regular file");
        if (Files.exists(abs) && !Files.isWritable(abs)) throw new StorageException(ErrorCode.INTERNAL, "storage file " + abs + " is not writable");
        if (!Files.exists(abs)) {
            // the store holds only ciphertext, but its layout (paths) is still nobody else's business
            try {
                Files.createFile(abs, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: SQLite creates the file with default permissions
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created concurrently: fine
            } catch (IOException e) {
                throw new StorageException(ErrorCode.INTERNAL, "cannot create storage file " + abs + ": " + ioReason(e));
            }
        }
        java.nio.channels.FileChannel lock = lockExclusively(abs);
        try {
            SqliteStorage st = new SqliteStorage(abs, Math.max(1, readConnections));
            st.lockChannel = lock;
            return st;
        } catch (RuntimeException e) {
            try { lock.close(); } catch (IOException ignored) { /* releasing */ }
            throw e;
        }
    }

    /**
     * One process per store: an exclusive lock on {@code <file>.lock}, held until close. Two servers on one SQLite
     * file would each keep their own read cache and unseal state; the second one is refused with a clear message.
     */
    private static java.nio.channels.FileChannel lockExclusively(Path abs) {
        Path lockFile = abs.resolveSibling(abs.getFileName() + ".lock");
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(lockFile, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException(ErrorCode.INTERNAL, "cannot create lock file " + lockFile + ": " + ioReason(e));
        }
        try {
            if (ch.tryLock() != null) return ch;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            // held by this JVM
        } catch (IOException e) {
            try { ch.close(); } catch (IOException ignored) { /* releasing */ }
            throw new StorageException(ErrorCode.INTERNAL, "cannot lock " + lockFile + ": " + ioReason(e));
        }
        try { ch.close(); } catch (IOException ignored) { /* releasing */ }
        throw new StorageException(ErrorCode.INTERNAL, "storage file " + abs + " is in use by another Keyhaven server (lock " + lockFile + ")");
    }

    private static String ioReason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileAlreadyExistsException f) return f.getFile() + " exists and is not a directory";
        if (e instanceof java.nio.file.NoSuchFileException) return "a parent directory does not exist and cannot be created there";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason().toLowerCase(java.util.Locale.ROOT);
        if (e instanceof java.nio.file.FileSystemException) return "the file system refused (" + e.getClass().getSimpleName().replace("Exception", "") + ")";
        return e.getMessage() == null ? "I/O error" : e.getMessage();
    }

    public static SqliteStorage open(Path file) {
        return open(file, 4);
    }

    public Path file() {
        return file;
    }

    private static Connection connect(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    private static Connection openWriter(Path file) {
        Connection c = null;
        try {
            c = connect(file);
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA busy_timeout=10000");
                String mode;
                try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
                    mode = rs.next() ? rs.getString(1) : "";
                }
                if (!"wal".equalsIgnoreCase(mode)) throw new SQLException("could not switch to WAL mode (got " + mode + ")");
                st.execute("PRAGMA synchronous=FULL");
                try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
                    String result = rs.next() ? rs.getString(1) : "no result";
                    if (!"ok".equalsIgnoreCase(result)) throw new SQLException("integrity check failed: " + result);
                }
                migrate(c, st);
            }
            c.setAutoCommit(false);
            return c;
        } catch (SQLException e) {
            if (c != null) {
                try { c.close(); } catch (SQLException ignored) { /* already failing */ }
            }
            throw new StorageException(ErrorCode.INTERNAL, "cannot open storage file " + file + ": " + describe(e));
        }
    }

    private static void migrate(Connection c, Statement st) throws SQLException {
        int version;
        try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            version = rs.next() ? rs.getInt(1) : 0;
        }
        if (version > SCHEMA_VERSION) {
            throw new SQLException("the store has schema version " + version + " but this Keyhaven supports up to " + SCHEMA_VERSION
                    + " (written by a newer release)");
        }
        if (version < 1) {
            st.execute("BEGIN IMMEDIATE");
            try {
                st.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT NOT NULL PRIMARY KEY COLLATE BINARY, value BLOB NOT NULL) WITHOUT ROWID");
                st.execute("PRAGMA user_version=1");
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw e;
            }
            if (version == 0) log.debug("created storage schema version 1");
        }
        // Future migrations: if (version < 2) { ... PRAGMA user_version=2 } in one transaction each.
    }

    /** A one-line description of a SQLite failure, translated where the driver's text is cryptic. */
    static String describe(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (m.contains("SQLITE_NOTADB") || m.contains("file is not a database")) return "not a SQLite database, or the file is corrupt";
        if (m.contains("SQLITE_CORRUPT") || m.contains("malformed")) return "the database file is corrupt";
        if (m.contains("SQLITE_CANTOPEN")) return "unable to open the database file (check the path and permissions)";
        if (m.contains("SQLITE_READONLY")) return "the database file is read-only";
        if (m.contains("SQLITE_FULL")) return "the disk is full";
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<byte[]> get(String key) {
        StorageKeys.validate(key);
        return withReader(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM kv WHERE key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.<byte[]>empty();
                }
            }
        });
    }

    @Override
    public List<String> list(String prefix) {
        StorageKeys.validatePrefix(prefix);
        return withReader(c -> {
            List<String> out = new ArrayList<>();
            // Keys under the prefix are in [prefix, upper) where upper replaces the trailing '/' by '0' (the next byte).
            String upper = prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1) + "0";
            String from = prefix;
            boolean more = true;
            while (more) {
                more = false;
                String sql = upper == null ? "SELECT key FROM kv WHERE key >= ? ORDER BY key" : "SELECT key FROM kv WHERE key >= ? AND key < ? ORDER BY key";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, from);
                    if (upper != null) ps.setString(2, upper);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            String rest = rs.getString(1).substring(prefix.length());
                            int slash = rest.indexOf('/');
                            if (slash < 0) {
                                out.add(rest);
                                continue;
                            }
                            // A sub-folder: list it once, then skip its whole subtree with a new range query.
                            String folder = rest.substring(0, slash + 1);
                            out.add(folder);
                            from = prefix + rest.substring(0, slash) + "0";
                            more = true;
                            break;
                        }
                    }
                }
            }
            return out;
        });
    }

    private interface ReadFn<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T withReader(ReadFn<T> fn) {
        ensureOpen();
        Connection c;
        try {
            c = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while waiting for a read connection", e);
        }
        try {
            return fn.apply(c);
        } catch (SQLException e) {
            throw new StorageException("storage read failed: " + describe(e), e);
        } finally {
            readers.add(c);
        }
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void put(String key, byte[] value) {
        batch(List.of(StorageOp.put(key, value)));
    }

    @Override
    public void delete(String key) {
        batch(List.of(StorageOp.delete(key)));
    }

    @Override
    public void batch(List<StorageOp> ops) {
        for (StorageOp op : ops) checkOp(op.key(), op.value());
        if (ops.isEmpty()) return;
        submit(new WriteTask(List.copyOf(ops), null, null, null));
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        checkOp(key, value);
        return submit(new WriteTask(null, key, expected == null ? null : expected.clone(), value == null ? null : value.clone()));
    }

    private static void checkOp(String key, byte[] value) {
        StorageKeys.validate(key);
        if (value != null && value.length > MAX_VALUE_BYTES) {
            throw new StorageException(ErrorCode.PAYLOAD_TOO_LARGE, "value larger than " + MAX_VALUE_BYTES + " bytes");
        }
    }

    private boolean submit(WriteTask task) {
        ensureOpen();
        queue.add(task);
        if (closed.get() && queue.remove(task)) throw closedException();
        try {
            boolean interrupted = false;
            while (true) {
                try {
                    return task.future.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the write is already queued: wait for its outcome regardless
                } finally {
                    if (interrupted) Thread.currentThread().interrupt();
                }
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof StorageException se) throw se;
            throw new StorageException("storage write failed", c);
        }
    }

    private static final class WriteTask {
        final List<StorageOp> ops; // batch, or null for CAS
        final String casKey;
        final byte[] casExpected;
        final byte[] casValue;
        final CompletableFuture<Boolean> future = new CompletableFuture<>();

        WriteTask(List<StorageOp> ops, String casKey, byte[] casExpected, byte[] casValue) {
            this.ops = ops;
            this.casKey = casKey;
            this.casExpected = casExpected;
            this.casValue = casValue;
        }

        long bytes() {
            if (ops == null) return 64 + (casValue == null ? 0 : casValue.length);
            long n = 0;
            for (StorageOp op : ops) n += 64 + (op.value() == null ? 0 : op.value().length);
            return n;
        }
    }

    private void writerLoop() {
        List<WriteTask> group = new ArrayList<>();
        while (true) {
            WriteTask first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (closed.get() && queue.isEmpty()) return;
                continue;
            }
            group.clear();
            group.add(first);
            long bytes = first.bytes();
            while (group.size() < MAX_GROUP_OPS && bytes < MAX_GROUP_BYTES) {
                WriteTask next = queue.poll();
                if (next == null) break;
                group.add(next);
                bytes += next.bytes();
            }
            try {
                commitGroup(group);
            } catch (Throwable t) { // e.g. OutOfMemoryError: fail this group, keep the writer alive for the next
                log.error("storage writer failed: {}", t.toString());
                try {
                    writer.rollback();
                } catch (SQLException | RuntimeException ignored) {
                    // nothing more to do
                }
                StorageException fail = new StorageException("storage write failed: internal error", t);
                for (WriteTask task : group) task.future.completeExceptionally(fail);
            }
        }
    }

    private void commitGroup(List<WriteTask> group) {
        Boolean[] results = new Boolean[group.size()];
        Throwable[] failures = new Throwable[group.size()];
        try (PreparedStatement upsert = writer.prepareStatement("INSERT INTO kv(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
             PreparedStatement del = writer.prepareStatement("DELETE FROM kv WHERE key = ?");
             PreparedStatement sel = writer.prepareStatement("SELECT value FROM kv WHERE key = ?");
             Statement st = writer.createStatement()) {
            for (int i = 0; i < group.size(); i++) {
                WriteTask t = group.get(i);
                st.execute("SAVEPOINT op");
                try {
                    results[i] = apply(t, upsert, del, sel);
                    st.execute("RELEASE op");
                } catch (SQLException e) {
                    st.execute("ROLLBACK TO op");
                    st.execute("RELEASE op");
                    failures[i] = new StorageException("storage write failed: " + describe(e), e);
                }
            }
            writer.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                writer.rollback();
            } catch (SQLException ignored) {
                // the connection is unusable; every task of the group fails below
            }
            log.error("storage commit failed: {}", e instanceof SQLException se ? describe(se) : e.toString());
            StorageException fail = new StorageException("storage write failed: " + (e instanceof SQLException se ? describe(se) : "internal error"), e);
            for (WriteTask t : group) t.future.completeExceptionally(fail);
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            if (failures[i] != null) group.get(i).future.completeExceptionally(failures[i]);
            else group.get(i).future.complete(results[i]);
        }
    }

    private static boolean apply(WriteTask t, PreparedStatement upsert, PreparedStatement del, PreparedStatement sel) throws SQLException {
        if (t.ops != null) {
            for (StorageOp op : t.ops) write(op.key(), op.value(), upsert, del);
            return true;
        }
        sel.setString(1, t.casKey);
        byte[] current;
        try (ResultSet rs = sel.executeQuery()) {
            current = rs.next() ? rs.getBytes(1) : null;
        }
        boolean matches = t.casExpected == null ? current == null : current != null && Arrays.equals(current, t.casExpected);
        if (!matches) return false;
        write(t.casKey, t.casValue, upsert, del);
        return true;
    }

    private static void write(String key, byte[] value, PreparedStatement upsert, PreparedStatement del) throws SQLException {
        if (value == null) {
            del.setString(1, key);
            del.executeUpdate();
        } else {
            upsert.setString(1, key);
            upsert.setBytes(2, value);
            upsert.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private void ensureOpen() {
        if (closed.get()) throw closedException();
    }

    private static StorageException closedException() {
        return new StorageException(ErrorCode.UNAVAILABLE, "storage is closed");
    }

    /** Finishes queued writes, checkpoints the WAL into the main file and closes every connection. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            writerThread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WriteTask left;
        while ((left = queue.poll()) != null) left.future.completeExceptionally(closedException());
        try (Statement st = writer.createStatement()) {
            writer.setAutoCommit(true);
            st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
            log.warn("WAL checkpoint on close failed: {}", describe(e));
        }
        closeQuietly();
        java.nio.channels.FileChannel lock = lockChannel;
        if (lock != null) {
            try { lock.close(); } catch (IOException ignored) { /* releasing */ }
        }
    }

    private void closeQuietly() {
        for (Connection c : allReaders) {
            try { c.close(); } catch (SQLException ignored) { /* closing */ }
        }
        try { writer.close(); } catch (SQLException | NullPointerException ignored) { /* closing */ }
    }

    @Override
    public String toString() {
        return "SqliteStorage[" + file + "]";
    }
}
