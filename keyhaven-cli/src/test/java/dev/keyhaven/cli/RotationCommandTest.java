package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rotation commands against a real dev server over loopback HTTP. */
class RotationCommandTest {
    @TempDir
    static Path dir;
    private static KeyhavenServer server;
    private static Map<String, String> savedEnv;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void start() {
        String token = "test-root-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(token), Optional.of("127.0.0.1:0"), Optional.of(dir.resolve("data"))),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        savedEnv = ClientOptions.env;
        ClientOptions.env = Map.of("KEYHAVEN_ADDR", server.url(), "KEYHAVEN_TOKEN", token);
    }

    @AfterAll
    static void stop() {
        ClientOptions.env = savedEnv;
        if (server != null) server.close();
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void policyWriteListReadStatusRotateAndDeleteOverHttp() {
        assertThat(run("kv", "put", "secret/web/session", "value=bootstrap-" + System.nanoTime()).code()).isZero();
        Run w = run("rotation", "policy", "write", "sessions", "path=secret/web/session", "category=session-secret", "format=hex");
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(w.out()).contains("Success! Data written to: sys/rotation/policy/sessions");
        assertThat(run("rotation", "policy", "list").out()).contains("sessions");
        assertThat(run("rotation", "policy", "read", "sessions").out()).contains("interval").contains("30d").contains("random");

        Run status = run("rotation", "status");
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("PATH").contains("NEXT ROTATION").contains("secret/web/session").contains("sessions").contains("idle");

        Run noNow = run("rotate", "secret/web/session");
        assertThat(noNow.code()).isEqualTo(2);
        assertThat(noNow.err()).contains("--now");

        Run rot = run("rotate", "secret/web/session", "--now");
        assertThat(rot.code()).as(rot.err()).isZero();
        assertThat(rot.out()).contains("now version 2").contains("previous version 1 valid until");
        Run one = run("rotation", "status", "secret/web/session");
        assertThat(one.out()).contains("overlap").contains("VERSION").contains("current").contains("previous");

        Run revoke = run("rotate", "secret/web/session", "--now", "--revoke-previous");
        assertThat(revoke.code()).isZero();
        assertThat(revoke.out()).contains("now version 3").contains("previous version revoked");
        assertThat(run("kv", "get", "-version=2", "secret/web/session").code()).isNotZero();
        // reading the retired version is counted as a use of a retired credential
        String metrics = new String(server.core().telemetry().prometheusText(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(metrics).containsPattern("keyhaven_previous_version_reads_after_overlap_total\\{path_prefix=\"[^\"]*\"\\} [1-9]");
        assertThat(run("kv", "get", "-version=3", "secret/web/session").code()).isZero(); // the current one is fine

        Run json = run("rotation", "status", "-format=json");
        assertThat(json.out()).contains("\"overdue_count\"");

        assertThat(run("rotation", "policy", "delete", "sessions").code()).isZero();
        assertThat(run("rotation", "policy", "list").out()).contains("No rotation policies.");
    }

    @Test
    void badInputIsAClearErrorWithExitCode() {
        Run bad = run("rotation", "policy", "write", "bad", "path=secret/x", "rotator=random", "interval=soon");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("invalid duration for 'interval'");
        Run notKv = run("rotation", "policy", "write", "bad", "path=secret/x", "oops");
        assertThat(notKv.code()).isEqualTo(2);
        assertThat(notKv.err()).contains("expected key=value");
        Run unmanaged = run("rotate", "secret/none", "--now");
        assertThat(unmanaged.code()).isEqualTo(1);
        assertThat(unmanaged.err()).contains("no rotation policy covers secret/none");
    }

    @Test
    void policyFromAnHclFile() throws Exception {
        Path f = dir.resolve("p.hcl");
        Files.writeString(f, "path = \"secret/web/api\"\nrotator = \"random\"\ninterval = \"7d\"\nsettings {\n  format = \"uuid\"\n}\n");
        Run w = run("rotation", "policy", "write", "api", f.toString());
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(run("rotation", "policy", "read", "api").out()).contains("uuid").contains("7d");
        run("rotation", "policy", "delete", "api");
    }
}
