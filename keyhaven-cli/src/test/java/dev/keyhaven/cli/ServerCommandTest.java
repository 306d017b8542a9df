package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerCommandTest {
    @TempDir
    Path dir;

    private int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    @Test
    void badConfigPrintsOneLineAndExits1() throws Exception {
        Path cfg = dir.resolve("c.hcl");
        Files.writeString(cfg, "storage \"sqlite\" { path = \"" + dir.resolve("k.db") + "\" }\nlistener \"tcp\" {\n tls_disable = true\n nope = 1\n}\n");
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "-config", cfg.toString())).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("error: " + cfg + ":4: unknown key \"nope\" in listener \"tcp\"");
    }

    @Test
    void devAndConfigTogetherIsAUsageErrorWithExit2() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "-dev", "-config", "x.hcl")).isEqualTo(2);
        assertThat(err.toString()).contains("either -dev or -config");
    }

    @Test
    void unknownOptionIsAUsageError() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "-devv")).isEqualTo(2);
    }

    @Test
    void badDevListenAddressIsOneLine() {
        StringWriter err = new StringWriter();
        assertThat(run(err, "server", "-dev", "-dev-listen-address", "nonsense", "-dev-data-dir", dir.toString())).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("error: invalid -dev-listen-address \"nonsense\" (expected host:port, e.g. 127.0.0.1:8200)");
    }

    @Test
    void helpListsTheDevFlags() {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute("server", "--help")).isZero();
        assertThat(out.toString()).contains("-dev-root-token-id", "-dev-listen-address", "-dev-data-dir", "-config");
    }
}
