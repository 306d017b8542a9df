package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The vault-style commands (kv, token, policy, operator, status) against a real dev server over loopback. */
class VaultStyleCommandsTest {
    @TempDir
    static Path dir;
    static KeyhavenServer server;
    static String root;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void start() {
        root = "cli-root-" + UUID.randomUUID();
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(root), Optional.of("127.0.0.1:0"), Optional.of(dir.resolve("data"))),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        ClientOptions.env = System.getenv();
    }

    static Run run(String token, String... args) {
        return runWithStdin(token, "", args);
    }

    static Run runWithStdin(String token, String stdin, String... args) {
        ClientOptions.env = token == null ? Map.of("KEYHAVEN_ADDR", server.url()) : Map.of("KEYHAVEN_ADDR", server.url(), "KEYHAVEN_TOKEN", token);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream oldIn = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setIn(oldIn);
        }
    }

    @Test
    void kvPutGetPatchListDeleteUndeleteDestroyOnKvV2() throws Exception {
        String canary = "canary-" + UUID.randomUUID();
        Path pw = Files.writeString(dir.resolve("pw.txt"), canary);
        Run put = run(root, "kv", "put", "secret/cli/db", "user=app", "password=@" + pw);
        assertThat(put.code()).as(put.err()).isZero();
        assertThat(put.out()).contains("version").doesNotContain(canary);

        Run field = run(root, "kv", "get", "-field=password", "secret/cli/db");
        assertThat(field.code()).isZero();
        assertThat(field.out().strip()).isEqualTo(canary);

        assertThat(run(root, "kv", "patch", "secret/cli/db", "user=svc").code()).isZero();
        Run json = run(root, "kv", "get", "-format=json", "secret/cli/db");
        assertThat(json.out()).contains("\"user\" : \"svc\"").contains("\"version\" : 2");

        Run list = run(root, "kv", "list", "secret/cli");
        assertThat(list.out()).contains("db");

        assertThat(run(root, "kv", "delete", "secret/cli/db").code()).isZero();
        Run gone = run(root, "kv", "get", "secret/cli/db");
        assertThat(gone.code()).isEqualTo(1);
        assertThat(gone.out()).contains("deletion_time");
        assertThat(run(root, "kv", "undelete", "-versions=2", "secret/cli/db").code()).isZero();
        assertThat(run(root, "kv", "get", "-field=user", "secret/cli/db").out().strip()).isEqualTo("svc");
        assertThat(run(root, "kv", "destroy", "-versions=1", "secret/cli/db").code()).isZero();
        Run meta = run(root, "kv", "metadata", "get", "secret/cli/db");
        assertThat(meta.out()).contains("current_version").contains("2");
        assertThat(run(root, "kv", "metadata", "delete", "secret/cli/db").code()).isZero();
        assertThat(run(root, "kv", "get", "secret/cli/db").code()).isEqualTo(1);
    }

    @Test
    void kvCheckAndSetMismatchIsAnErrorWithTheServersMessage() {
        assertThat(run(root, "kv", "put", "-cas=0", "secret/cli/cas", "a=1").code()).isZero();
        Run again = run(root, "kv", "put", "-cas=0", "secret/cli/cas", "a=2");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("check-and-set").contains("Code: 400");
    }

    @Test
    void policyAndLeastPrivilegeTokenFromTheCli() {
        Run w = runWithStdin(root, "path \"secret/data/cliapp/*\" { capabilities = [\"read\"] }\n", "policy", "write", "cli-read", "-");
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(run(root, "policy", "list").out()).contains("cli-read").contains("default");
        assertThat(run(root, "policy", "read", "cli-read").out()).contains("secret/data/cliapp/*");
        assertThat(run(root, "kv", "put", "secret/cliapp/x", "k=v").code()).isZero();

        Run created = run(root, "token", "create", "-policy=cli-read", "-ttl=10m", "-field=token");
        assertThat(created.code()).as(created.err()).isZero();
        String limited = created.out().strip();
        assertThat(limited).startsWith("hvs.");

        assertThat(run(limited, "kv", "get", "-field=k", "secret/cliapp/x").out().strip()).isEqualTo("v");
        Run denied = run(limited, "kv", "put", "secret/cliapp/x", "k=w");
        assertThat(denied.code()).isEqualTo(1);
        assertThat(denied.err()).contains("permission denied").doesNotContain(limited);

        Run lookup = run(limited, "token", "lookup");
        assertThat(lookup.out()).contains("cli-read").doesNotContain(root);
        assertThat(run(limited, "token", "revoke", "-self").code()).isZero();
        Run revoked = run(limited, "kv", "get", "secret/cliapp/x");
        assertThat(revoked.code()).isEqualTo(1);
        assertThat(revoked.err()).contains("Code: 403"); // the preflight already refuses a revoked token, as in Vault
        assertThat(run(root, "policy", "delete", "cli-read").code()).isZero();
    }

    @Test
    void statusAndKeyRotation() {
        Run status = run(null, "status");
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("Sealed").contains("false");
        Run rotate = run(root, "operator", "rotate");
        assertThat(rotate.code()).as(rotate.err()).isZero();
        assertThat(rotate.out()).contains("Key Term");
    }

    @Test
    void usageErrorsExitTwoAndNeverEchoValues() {
        String canary = "canary-" + UUID.randomUUID();
        Run bad = run(root, "kv", "put", "secret/cli/x", canary);
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("expected key=value");
        Run badVersions = run(root, "kv", "destroy", "-versions=one", "secret/cli/x");
        assertThat(badVersions.code()).isEqualTo(2);
        assertThat(run(root, "kv").code()).isEqualTo(2);
        Run unknown = run(root, "kv", "get", "--bogus", "secret/x");
        assertThat(unknown.code()).isEqualTo(2);
    }

    @Test
    void unreachableServerIsOneLineAndExitOne() {
        ClientOptions.env = Map.of("KEYHAVEN_ADDR", "http://127.0.0.1:1");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(cl.execute("kv", "get", "secret/x")).isEqualTo(1);
        assertThat(err.toString()).contains("cannot reach the server").doesNotContain("Exception\n\tat");
    }
}
