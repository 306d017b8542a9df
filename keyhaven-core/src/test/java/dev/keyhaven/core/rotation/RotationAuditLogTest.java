package dev.keyhaven.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.Keyhaven;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation steps and emergency incidents land in the real audit log (file device), without secret values. */
class RotationAuditLogTest {
    @TempDir
    Path dir;

    @Test
    void emergencyRotationWritesAnIncidentEntryToTheAuditLog() throws Exception {
        try (Keyhaven core = Keyhaven.builder(new MemoryStorage()).build()) {
            Keyhaven.InitResult init = core.initialize(1, 1, Optional.empty());
            if (core.isSealed()) core.submitUnsealShare(init.shares().get(0));
            assertThat(core.isSealed()).isFalse();
            core.mount("secret/", "kv", "", Map.of("version", "2"));
            Path log = dir.resolve("audit.log");
            core.audit().orElseThrow().enable("file", "file", "", Map.of("file_path", log.toString()), false);
            RotationEngine engine = RotationExtension.engine(core, Duration.ofSeconds(30));
            LogicalClient logical = RotationExtension.internalClient(core);
            String old = "canary-" + System.nanoTime();
            logical.handle(Request.builder(Operation.UPDATE, "secret/data/web/session").data(Map.of("data", Map.of("value", old))).build());
            engine.service().writePolicy(RotationPolicy.parse("s", Map.of("path", "secret/web/session", "category", "session-secret")));

            Request req = Request.builder(Operation.UPDATE, "sys/rotation/rotate/secret/web/session").data(Map.of("revoke_previous", true)).build();
            req.setMount("sys/", "system", "", "rotation/rotate/secret/web/session");
            engine.handle(req);

            String audit = Files.readString(log);
            assertThat(audit).contains("sys/rotation/event/rotation.incident/secret/web/session")
                    .contains("sys/rotation/event/rotation.promoted/secret/web/session")
                    .contains("sys/rotation/event/rotation.retired/secret/web/session")
                    .contains("keyhaven-rotation");
            String now = engine.service().kv().readLatest("secret/web/session").orElseThrow().require("value");
            assertThat(audit).doesNotContain(old).doesNotContain(now);
        }
    }
}
