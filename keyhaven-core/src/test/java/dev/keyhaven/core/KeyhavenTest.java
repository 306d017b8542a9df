package dev.keyhaven.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.sqlite.SqliteStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyhavenTest {
    @TempDir
    Path dir;
    Keyhaven core;

    Keyhaven open() {
        core = Keyhaven.builder(SqliteStorage.open(dir.resolve("k.db"))).build();
        return core;
    }

    @AfterEach
    void close() {
        if (core != null) core.close();
    }

    static Request req(Operation op, String path, String token, Map<String, Object> data) {
        return Request.builder(op, path).clientToken(token).data(data).build();
    }

    static int status(Runnable r) {
        try {
            r.run();
            return 200;
        } catch (KeyhavenException e) {
            return e.code().httpStatus();
        }
    }

    @Test
    void initLeavesTheCoreSealedAndThresholdSharesUnsealIt() {
        open();
        assertThat(core.isInitialized()).isFalse();
        Keyhaven.InitResult init = core.initialize(5, 3, Optional.empty());
        assertThat(init.shares()).hasSize(5);
        assertThat(init.rootToken()).startsWith("hvs.");
        assertThat(init.toString()).doesNotContain(init.rootToken());
        assertThat(core.isSealed()).isTrue();
        core.submitUnsealShare(init.shares().get(4));
        core.submitUnsealShare(init.shares().get(1));
        assertThat(core.isSealed()).isTrue();
        assertThat(core.unsealProgress()).isEqualTo(2);
        core.submitUnsealShare(init.shares().get(2));
        assertThat(core.isSealed()).isFalse();
        assertThat(core.unsealProgress()).isZero();
    }

    @Test
    void repeatedShareIsRejectedWithoutCountingAndWrongShareResetsAtThreshold() {
        open();
        Keyhaven.InitResult init = core.initialize(5, 3, Optional.empty());
        core.submitUnsealShare(init.shares().get(0));
        assertThatThrownBy(() -> core.submitUnsealShare(init.shares().get(0))).isInstanceOf(KeyhavenException.class).hasMessageContaining("already provided");
        assertThat(core.unsealProgress()).isEqualTo(1);
        assertThatThrownBy(() -> core.submitUnsealShare(new byte[] {1, 2, 3})).hasMessageContaining("33 bytes");
        assertThat(core.unsealProgress()).isEqualTo(1);
        core.submitUnsealShare(init.shares().get(1));
        byte[] wrong = init.shares().get(2).clone();
        wrong[0] ^= 0x55;
        assertThatThrownBy(() -> core.submitUnsealShare(wrong)).isInstanceOf(KeyhavenException.class).hasMessageContaining("progress was reset")
                .satisfies(e -> assertThat(((KeyhavenException) e).code().httpStatus()).isEqualTo(400));
        assertThat(core.isSealed()).isTrue();
        assertThat(core.unsealProgress()).isZero();
        for (int i = 2; i < 5; i++) core.submitUnsealShare(init.shares().get(i));
        assertThat(core.isSealed()).isFalse();
    }

    @Test
    void sealedCoreAnswers503ForEverythingButExemptPaths() {
        open();
        assertThat(status(() -> core.handle(req(Operation.READ, "secret/x", null, Map.of())))).isEqualTo(503);
        assertThat(core.handle(req(Operation.READ, "sys/health", null, Map.of())).status()).isEqualTo(501);
        assertThat(core.handle(req(Operation.READ, "sys/seal-status", null, Map.of())).raw()).containsEntry("initialized", false);
        core.initialize(1, 1, Optional.empty());
        assertThat(core.handle(req(Operation.READ, "sys/health", null, Map.of())).status()).isEqualTo(503);
        assertThatThrownBy(() -> core.handle(req(Operation.READ, "sys/mounts", null, Map.of()))).hasMessage("Keyhaven is sealed");
    }

    @Test
    void dataWrittenBeforeRestartIsReadableAfterUnseal() {
        open();
        Keyhaven.InitResult init = core.initialize(3, 2, Optional.empty());
        core.submitUnsealShare(init.shares().get(0));
        core.submitUnsealShare(init.shares().get(1));
        String t = init.rootToken();
        core.handle(req(Operation.UPDATE, "sys/mounts/kv", t, Map.of("type", "kv")));
        core.handle(req(Operation.UPDATE, "kv/app/db", t, Map.of("password", "p1")));
        core.close();
        open();
        assertThat(core.isInitialized()).isTrue();
        assertThat(core.isSealed()).isTrue();
        core.submitUnsealShare(init.shares().get(2));
        core.submitUnsealShare(init.shares().get(0));
        Response r = core.handle(req(Operation.READ, "kv/app/db", t, Map.of()));
        assertThat(r.data()).containsEntry("password", "p1");
        assertThat(core.handle(req(Operation.LIST, "kv/", t, Map.of())).data()).containsEntry("keys", List.of("app/"));
    }

    @Test
    void requestsWithoutARootTokenAreDenied() {
        open();
        Keyhaven.InitResult init = core.initialize(1, 1, Optional.empty());
        core.submitUnsealShare(init.shares().get(0));
        assertThat(status(() -> core.handle(req(Operation.READ, "sys/mounts", null, Map.of())))).isEqualTo(403);
        assertThat(status(() -> core.handle(req(Operation.READ, "sys/mounts", "hvs.not-a-token", Map.of())))).isEqualTo(403);
        assertThat(status(() -> core.handle(req(Operation.READ, "sys/mounts", init.rootToken(), Map.of())))).isEqualTo(200);
    }

    @Test
    void unknownMountGivesVaultsNoHandlerError() {
        open();
        Keyhaven.InitResult init = core.initialize(1, 1, Optional.empty());
        core.submitUnsealShare(init.shares().get(0));
        assertThatThrownBy(() -> core.handle(req(Operation.READ, "nope/x", init.rootToken(), Map.of())))
                .hasMessage("no handler for route \"nope/x\". route entry not found.")
                .satisfies(e -> assertThat(((KeyhavenException) e).code().httpStatus()).isEqualTo(404));
    }

    @Test
    void sealRequestSealsAndRotateAdvancesTheTerm() {
        open();
        Keyhaven.InitResult init = core.initialize(1, 1, Optional.empty());
        core.submitUnsealShare(init.shares().get(0));
        core.handle(req(Operation.UPDATE, "sys/rotate", init.rootToken(), Map.of()));
        assertThat(core.handle(req(Operation.READ, "sys/key-status", init.rootToken(), Map.of())).data()).containsEntry("term", 2);
        core.handle(req(Operation.UPDATE, "sys/seal", init.rootToken(), Map.of()));
        assertThat(core.isSealed()).isTrue();
    }

    @Test
    void devRootTokenIdIsHonoured() {
        open();
        Keyhaven.InitResult init = core.initialize(1, 1, Optional.of("dev-root"));
        assertThat(init.rootToken()).isEqualTo("dev-root");
        core.submitUnsealShare(init.shares().get(0));
        assertThat(status(() -> core.handle(req(Operation.READ, "sys/mounts", "dev-root", Map.of())))).isEqualTo(200);
    }

    @Test
    void secondInitIsRefused() {
        open();
        core.initialize(1, 1, Optional.empty());
        assertThatThrownBy(() -> core.initialize(1, 1, Optional.empty())).hasMessageContaining("already initialized");
    }
}
