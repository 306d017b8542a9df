package dev.keyhaven.core.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.sqlite.SqliteStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvV1EngineTest {
    @TempDir
    Path dir;
    Storage storage;
    KvV1Engine kv;

    @BeforeEach
    void setUp() {
        storage = SqliteStorage.open(dir.resolve("kv.db"));
        kv = new KvV1Engine(storage);
    }

    @AfterEach
    void tearDown() {
        storage.close();
    }

    Response call(Operation op, String rel, Map<String, Object> data) {
        Request r = Request.builder(op, "kv/" + rel).data(data).build();
        r.setMount("kv/", "kv", "kv_1", rel);
        return kv.handle(r);
    }

    @Test
    void writeReturns204AndReadReturnsTheData() {
        assertThat(call(Operation.UPDATE, "app/db", Map.of("user", "u", "n", 3)).status()).isEqualTo(204);
        Response r = call(Operation.READ, "app/db", Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data()).containsEntry("user", "u").containsEntry("n", 3);
    }

    @Test
    void readOfMissingPathIs404WithNoErrors() {
        assertThatThrownBy(() -> call(Operation.READ, "missing", Map.of())).isInstanceOf(KeyhavenException.class)
                .satisfies(e -> {
                    assertThat(((KeyhavenException) e).code().httpStatus()).isEqualTo(404);
                    assertThat(((KeyhavenException) e).errors()).isEmpty();
                });
    }

    @Test
    void listShowsFoldersWithTrailingSlashAndEmptyListIs404() {
        call(Operation.UPDATE, "a/b", Map.of("x", 1));
        call(Operation.UPDATE, "a/c/d", Map.of("x", 1));
        assertThat(call(Operation.LIST, "a/", Map.of()).data()).containsEntry("keys", List.of("b", "c/"));
        assertThat(call(Operation.LIST, "a", Map.of()).data()).containsEntry("keys", List.of("b", "c/"));
        assertThatThrownBy(() -> call(Operation.LIST, "nothing/", Map.of())).satisfies(e -> assertThat(((KeyhavenException) e).errors()).isEmpty());
    }

    @Test
    void deleteIs204AndRemoves() {
        call(Operation.UPDATE, "k", Map.of("x", 1));
        assertThat(call(Operation.DELETE, "k", Map.of()).status()).isEqualTo(204);
        assertThatThrownBy(() -> call(Operation.READ, "k", Map.of())).isInstanceOf(KeyhavenException.class);
    }

    @Test
    void emptyWriteAndBadPathsAre400() {
        assertThatThrownBy(() -> call(Operation.UPDATE, "k", Map.of())).hasMessage("missing data fields");
        assertThatThrownBy(() -> call(Operation.UPDATE, "a//b", Map.of("x", 1))).satisfies(e -> assertThat(((KeyhavenException) e).code().httpStatus()).isEqualTo(400));
        assertThatThrownBy(() -> call(Operation.UPDATE, "a/../b", Map.of("x", 1))).satisfies(e -> assertThat(((KeyhavenException) e).code().httpStatus()).isEqualTo(400));
        assertThat(storage.list("")).isEmpty();
    }
}
