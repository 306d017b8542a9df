package dev.keyhaven.core.storage.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageContractTest;
import dev.keyhaven.core.storage.StorageException;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.storage.sqlite.SqliteStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read cache over SQLite passes the backend contract, never serves a stale value, and the store is single-owner. */
class CachingStorageTest extends StorageContractTest {
    @TempDir
    Path dir;

    @Override
    protected Storage createStorage() {
        return new CachingStorage(SqliteStorage.open(dir.resolve("store.db")), 1000, 64 * 1024);
    }

    @Override
    protected Storage reopen(Storage closed) {
        closed.close();
        return createStorage();
    }

    @Test
    void everyKindOfWriteInvalidatesTheCachedValue() {
        storage.put("a", b("1"));
        assertThat(storage.get("a")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("1"));
        storage.put("a", b("2"));
        assertThat(new String(storage.get("a").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("2");
        storage.batch(List.of(StorageOp.put("a", b("3"))));
        assertThat(new String(storage.get("a").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("3");
        assertThat(storage.compareAndSet("a", b("3"), b("4"))).isTrue();
        assertThat(new String(storage.get("a").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("4");
        storage.delete("a");
        assertThat(storage.get("a")).isEmpty();
    }

    @Test
    void readersRacingWritersNeverSeeAValueOlderThanTheLastAcknowledgedWrite() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                String key = "k" + w;
                fs.add(pool.submit(() -> {
                    for (int i = 1; i <= 300; i++) {
                        storage.put(key, b(Integer.toString(i)));
                        int seen = Integer.parseInt(new String(storage.get(key).orElseThrow(), StandardCharsets.UTF_8));
                        assertThat(seen).isEqualTo(i); // a read after my own acknowledged write sees it
                    }
                    return null;
                }));
                fs.add(pool.submit(() -> {
                    int last = 0;
                    for (int i = 0; i < 2000; i++) {
                        int seen = storage.get(key).map(v -> Integer.parseInt(new String(v, StandardCharsets.UTF_8))).orElse(0);
                        assertThat(seen).isGreaterThanOrEqualTo(last); // values only move forward
                        last = seen;
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(2, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAbsentKeyThatIsLaterWrittenIsSeen() {
        assertThat(storage.get("later")).isEmpty();
        assertThat(storage.get("later")).isEmpty(); // now answered from the cache
        storage.put("later", b("x"));
        assertThat(storage.get("later")).isPresent();
        storage.delete("later");
        assertThat(storage.get("later")).isEmpty();
        assertThat(storage.compareAndSet("later", null, b("y"))).isTrue();
        assertThat(new String(storage.get("later").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("y");
    }

    @Test
    void aSecondServerOnTheSameStoreFileIsRefused() {
        assertThatThrownBy(() -> SqliteStorage.open(dir.resolve("store.db")))
                .isInstanceOf(StorageException.class).hasMessageContaining("in use by another Keyhaven server");
    }
}
