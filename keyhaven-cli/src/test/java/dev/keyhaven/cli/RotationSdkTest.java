package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SecretsManager;
import dev.keyhaven.client.vault.VaultKvSource;
import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SDK's current()/previous() follow a rotation done through the CLI and the real server. */
class RotationSdkTest {
    @TempDir
    Path dir;

    private static int run(String... args) {
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    @Test
    void sdkSeesCurrentAndPreviousDuringOverlapAndNoPreviousAfterRevocation() {
        String token = "test-root-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
        Map<String, String> saved = ClientOptions.env;
        try (KeyhavenServer server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(token), Optional.of("127.0.0.1:0"),
                Optional.of(dir.resolve("data"))), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {})) {
            ClientOptions.env = Map.of("KEYHAVEN_ADDR", server.url(), "KEYHAVEN_TOKEN", token);
            String first = "first-" + System.nanoTime();
            assertThat(run("kv", "put", "secret/web/session", "value=" + first)).isZero();
            assertThat(run("rotation", "policy", "write", "s", "path=secret/web/session", "category=session-secret")).isZero();

            VaultKvSource source = VaultKvSource.builder().address(server.url()).token(Secret.of(token)).mount("secret")
                    .map("SESSION_SECRET", "web/session#value").cacheTtl(Duration.ZERO).renewToken(false).build();
            try (SecretsManager sdk = SecretsManager.builder().source(source).cacheTtl(Duration.ZERO).build()) {
                assertThat(sdk.current("SESSION_SECRET").secret().reveal()).isEqualTo(first);
                assertThat(run("rotate", "secret/web/session", "--now")).isZero();
                String second = sdk.current("SESSION_SECRET").secret().reveal();
                assertThat(second).isNotEqualTo(first).hasSize(32);
                assertThat(sdk.previous("SESSION_SECRET").orElseThrow().secret().reveal()).isEqualTo(first);

                assertThat(run("rotate", "secret/web/session", "--now", "--revoke-previous")).isZero();
                assertThat(sdk.current("SESSION_SECRET").secret().reveal()).isNotEqualTo(second);
                assertThat(sdk.previous("SESSION_SECRET")).isEmpty();
            }
        } finally {
            ClientOptions.env = saved;
        }
    }
}
