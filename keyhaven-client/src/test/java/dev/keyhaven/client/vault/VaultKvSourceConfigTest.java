package dev.keyhaven.client.vault;

import dev.keyhaven.client.Canary;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SourceUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration rules and the unreachable-server case (a real closed loopback port; no server needed). */
class VaultKvSourceConfigTest {

    @TempDir
    Path home;

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void unreachableServerIsSourceUnavailableNamingSourceAndAddressButNotTheToken() throws IOException {
        String token = Canary.value("tok");
        int port = closedPort();
        try (VaultKvSource src = VaultKvSource.builder().name("keyhaven").address("http://127.0.0.1:" + port)
                .token(Secret.of(token)).path("app/prod").timeout(Duration.ofSeconds(5)).environment(Map.of()).build()) {
            assertThatThrownBy(() -> src.lookup("DB_PASSWORD"))
                    .isInstanceOf(SourceUnavailableException.class)
                    .hasMessageStartingWith("[keyhaven] cannot reach http://127.0.0.1:" + port)
                    .hasMessageContaining("connection refused")
                    .hasMessageNotContaining(token);
        }
    }

    @Test
    void addressAndTokenComeFromTheEnvironmentLikeTheVaultCli() throws IOException {
        Files.writeString(home.resolve(".vault-token"), Canary.value("file-token") + "\n");
        VaultKvSource src = VaultKvSource.builder().path("p").homeDirectory(home)
                .environment(Map.of("VAULT_ADDR", "http://127.0.0.1:8200")).build();
        assertThat(src.address().toString()).isEqualTo("http://127.0.0.1:8200");
        src.close();
        VaultKvSource k = VaultKvSource.builder().path("p").homeDirectory(home)
                .environment(Map.of("KEYHAVEN_ADDR", "https://kh:8200", "VAULT_ADDR", "http://x:1")).build();
        assertThat(k.address().toString()).isEqualTo("https://kh:8200");
        k.close();
        assertThat(StaticToken.fromEnvironment(Map.of("VAULT_TOKEN", "v", "KEYHAVEN_TOKEN", "k"), home).orElseThrow().origin())
                .isEqualTo("KEYHAVEN_TOKEN");
        assertThat(StaticToken.fromEnvironment(Map.of(), home).orElseThrow().origin()).endsWith(".vault-token");
        assertThat(StaticToken.fromEnvironment(Map.of(), home.resolve("nowhere"))).isEmpty();
    }

    @Test
    void missingAddressOrTokenFailsAtBuildWithWhatToSet() {
        assertThatThrownBy(() -> VaultKvSource.builder().path("p").environment(Map.of()).homeDirectory(home).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("KEYHAVEN_ADDR or VAULT_ADDR");
        assertThatThrownBy(() -> VaultKvSource.builder().path("p").address("http://h:1").environment(Map.of()).homeDirectory(home).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("set KEYHAVEN_TOKEN or VAULT_TOKEN");
        assertThatThrownBy(() -> VaultKvSource.builder().address("http://h:1").token(Secret.of("t")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one path");
    }

    @Test
    void badInputIsRejectedWithAReadableMessage() {
        VaultKvSource.Builder b = VaultKvSource.builder();
        assertThatThrownBy(() -> b.address("ftp://h")).hasMessageContaining("http(s)://host");
        assertThatThrownBy(() -> b.path("a/../b")).hasMessageContaining("invalid secret path");
        assertThatThrownBy(() -> b.path("a//b")).hasMessageContaining("invalid secret path");
        assertThatThrownBy(() -> b.map("X", "no-key")).hasMessageContaining("path#key");
        assertThatThrownBy(() -> b.mount("a b")).hasMessageContaining("invalid KV mount path");
    }

    @Test
    void toStringsNeverShowTheToken() {
        String token = Canary.value("ts");
        StaticToken st = StaticToken.of(Secret.of(token));
        assertThat(st.toString()).doesNotContain(token);
        VaultKvSource src = VaultKvSource.builder().address("http://h:1").auth(st).path("p").environment(Map.of()).build();
        assertThat(src.toString()).doesNotContain(token);
        src.close();
    }

    @Test
    void urlsKeepAnAddressPathPrefixAndEncodeSegments() {
        VaultHttp h = new VaultHttp("v", java.net.URI.create("https://proxy.example/vault/"), null, Duration.ofSeconds(1), null,
                dev.keyhaven.client.redact.Redactor.create());
        assertThat(h.url("secret/data/" + VaultHttp.encodePath("my app/ü"))).hasToString("https://proxy.example/vault/v1/secret/data/my%20app/%C3%BC");
    }
}
