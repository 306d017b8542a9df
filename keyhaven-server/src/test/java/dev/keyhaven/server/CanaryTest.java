package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No plaintext of a stored value (nor the root token) ever lands in the SQLite files, WAL included. */
class CanaryTest {
    @TempDir
    Path dir;

    @Test
    void storeFilesHoldNoPlaintextOfValuesOrTokens() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        KeyhavenServer server = TestServers.dev(dir, token);
        List<String> canaries = new ArrayList<>();
        try {
            Http http = new Http(server.url()).token(token);
            for (int i = 0; i < 50; i++) {
                String c = "CANARY" + UUID.randomUUID().toString().replace("-", "");
                canaries.add(c);
                assertThat(http.post("/v1/kv/c/" + i, "{\"value\":\"" + c + "\",\"note\":\"" + c.toLowerCase() + "\"}").status()).isEqualTo(204);
            }
            String big = "BIGCANARY" + UUID.randomUUID();
            canaries.add(big);
            assertThat(http.post("/v1/kv/big", "{\"blob\":\"" + (big + " ").repeat(20000) + "\"}").status()).isEqualTo(204);
            canaries.add(token);
            // while running: the WAL holds the recent pages
            assertThat(Files.exists(dir.resolve("keyhaven.db-wal"))).isTrue();
            assertNoCanaries(canaries);
        } finally {
            server.stop();
        }
        assertNoCanaries(canaries);
    }

    private void assertNoCanaries(List<String> canaries) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("keyhaven.db")).toList();
        }
        assertThat(files).isNotEmpty();
        long total = 0;
        for (Path f : files) {
            String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            total += bytes.length();
            for (String c : canaries) {
                assertThat(bytes.contains(c)).as("canary found in %s", f.getFileName()).isFalse();
                assertThat(bytes.contains(c.toLowerCase())).as("lower-case canary found in %s", f.getFileName()).isFalse();
            }
        }
        assertThat(total).isGreaterThan(100_000); // the data really is in these files
    }
}
