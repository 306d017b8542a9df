package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad config, port in use, unwritable data dir, corrupt store: one line naming the problem, non-zero exit, no trace. */
class StartupErrorTest {
    @TempDir
    Path dir;

    private StartupException fail(String hcl) {
        try {
            KeyhavenServer s = TestServers.withConfig(dir, hcl);
            s.stop();
            throw new AssertionError("server started");
        } catch (StartupException e) {
            assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception");
            return e;
        }
    }

    @Test
    void unknownKeyNamesTheKeyAndLine() {
        StartupException e = fail("storage \"sqlite\" {\n  path = \"%DIR%/k.db\"\n}\nlistener \"tcp\" {\n  adress = \"127.0.0.1:0\"\n  tls_disable = true\n}\n");
        assertThat(e.getMessage()).endsWith("config.hcl:5: unknown key \"adress\" in listener \"tcp\" (did you mean \"address\"?)");
    }

    @Test
    void badValueNamesTheKeyAndLine() {
        StartupException e = fail("storage \"sqlite\" { path = \"%DIR%/k.db\" }\nlistener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = \"maybe\"\n}\n");
        assertThat(e.getMessage()).endsWith("config.hcl:4: invalid value for \"tls_disable\": expected true or false");
    }

    @Test
    void syntaxErrorNamesTheLine() {
        StartupException e = fail("storage \"sqlite\" {\n  path = \"%DIR%/k.db\n}\n");
        assertThat(e.getMessage()).contains("config.hcl:2: syntax error");
    }

    @Test
    void portInUseIsOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            StartupException e = fail(TestServers.plainConfig().replace("127.0.0.1:0", "127.0.0.1:" + taken.getLocalPort()));
            assertThat(e.getMessage()).isEqualTo("listener address 127.0.0.1:" + taken.getLocalPort() + " is already in use (is another server running?)");
        }
        // the store opened before the bind failure was closed again: a new server can open it
        KeyhavenServer ok = TestServers.withConfig(dir, TestServers.plainConfig());
        ok.stop();
    }

    @Test
    void unusableDataDirIsOneLine() throws Exception {
        Files.writeString(dir.resolve("afile"), "x");
        StartupException e = fail("storage \"sqlite\" { path = \"%DIR%/afile/sub/k.db\" }\nlistener \"tcp\" {\n address = \"127.0.0.1:0\"\n tls_disable = true\n}\n");
        assertThat(e.getMessage()).startsWith("storage \"sqlite\": cannot create storage directory");
    }

    @Test
    void readOnlyDataDirIsOneLine() throws Exception {
        Path ro = dir.resolve("ro");
        Files.createDirectories(ro);
        ro.toFile().setWritable(false, false);
        try {
            if (Files.isWritable(ro)) return; // root ignores permissions
            StartupException e = fail("storage \"sqlite\" { path = \"%DIR%/ro/k.db\" }\nlistener \"tcp\" {\n address = \"127.0.0.1:0\"\n tls_disable = true\n}\n");
            assertThat(e.getMessage()).contains("is not writable");
        } finally {
            ro.toFile().setWritable(true, false);
        }
    }

    @Test
    void corruptStoreFileIsOneLine() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/keyhaven.db"), "definitely not sqlite ".repeat(500));
        StartupException e = fail(TestServers.plainConfig());
        assertThat(e.getMessage()).startsWith("storage \"sqlite\": cannot open storage file").contains("corrupt");
    }

    @Test
    void missingConfigFileIsOneLine() {
        assertThatThrownBy(() -> KeyhavenServer.start(new ServerOptions(false, Optional.of(dir.resolve("nope.hcl")), Optional.empty(), Optional.empty(), Optional.empty()),
                System.out, l -> {})).isInstanceOf(StartupException.class).hasMessageEndingWith("nope.hcl: no such file");
    }

    @Test
    void devAndConfigTogetherIsAUsageError() {
        assertThatThrownBy(() -> new ServerOptions(true, Optional.of(dir), Optional.empty(), Optional.empty(), Optional.empty()).validate())
                .isInstanceOf(StartupException.class).satisfies(e -> assertThat(((StartupException) e).exitCode()).isEqualTo(2));
    }

    @Test
    void childProcessPrintsOneErrorLineAndExitsNonZero() throws Exception {
        Path cfg = TestServers.writeConfig(dir, "storage \"sqlite\" { path = \"%DIR%/k.db\" }\nlistener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n  bogus = 1\n}\n");
        ChildServer child = ChildServer.start("-config", cfg.toString());
        int code = child.waitFor();
        assertThat(code).isEqualTo(1);
        String out = child.allOutput();
        assertThat(out.lines().filter(l -> !l.isBlank())).hasSize(1);
        assertThat(out.strip()).isEqualTo("error: " + cfg + ":5: unknown key \"bogus\" in listener \"tcp\"");

        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/keyhaven.db"), "garbage ".repeat(1000));
        Path cfg2 = TestServers.writeConfig(dir, TestServers.plainConfig());
        ChildServer child2 = ChildServer.start("-config", cfg2.toString());
        assertThat(child2.waitFor()).isEqualTo(1);
        assertThat(child2.allOutput().strip()).startsWith("error: storage \"sqlite\": cannot open storage file").doesNotContain("\tat ").doesNotContain("\n");
    }
}
