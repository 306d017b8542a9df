package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.sqlite.SqliteStorage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The whole KV v2 behaviour suite again, over the real SQLite backend. */
class KvV2EngineSqliteTest extends KvV2EngineBehaviour {
    @TempDir
    Path dir;
    private final List<Storage> opened = new ArrayList<>();

    @Override
    protected Storage newBackingStorage() {
        Storage s = SqliteStorage.open(dir.resolve("kv-" + opened.size() + ".db"));
        opened.add(s);
        return s;
    }

    @AfterEach
    void closeStores() {
        opened.forEach(Storage::close);
    }
}
