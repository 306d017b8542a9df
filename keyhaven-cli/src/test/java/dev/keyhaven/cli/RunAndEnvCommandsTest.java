package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.client.dotenv.DotenvEntry;
import dev.keyhaven.client.dotenv.DotenvParser;
import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;

/** {@code keyhaven run}, {@code env import/export/check} and {@code completion} against a real dev server over loopback. */
class RunAndEnvCommandsTest {
    @TempDir
    static Path dir;
    static KeyhavenServer server;
    static String root;

    record Run(int code, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeAll
    static void start() {
        root = "run-root-" + UUID.randomUUID();
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(root), Optional.of("127.0.0.1:0"), Optional.of(dir.resolve("data"))),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        ClientOptions.env = System.getenv();
    }

    /** The real environment (PATH for the child) plus the server's address and root token plus {@code extra}. */
    static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("VAULT_TOKEN");
        env.put("KEYHAVEN_ADDR", server.url());
        env.put("KEYHAVEN_TOKEN", root);
        env.putAll(extra);
        return env;
    }

    static Run cli(String... args) {
        return cliWithEnv(Map.of(), args);
    }

    static Run cliWithEnv(Map<String, String> extra, String... args) {
        ClientOptions.env = env(extra);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String canary() {
        return "canary-" + UUID.randomUUID();
    }

    static void put(String path, String... pairs) {
        String[] args = new String[pairs.length + 3];
        args[0] = "kv";
        args[1] = "put";
        args[2] = path;
        System.arraycopy(pairs, 0, args, 3, pairs.length);
        Run r = cli(args);
        assertThat(r.code()).as(r.err()).isZero();
    }

    static String read(Path p) throws Exception {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    @Test
    void runGivesTheChildTheSecretsNeverPrintsThemAndReturnsTheChildsExitCode() throws Exception {
        String secret = canary();
        put("secret/run/app", "DB_PASSWORD=" + secret);
        Path seen = dir.resolve("seen.txt");
        Run r = cli("run", "--path", "secret/run/app", "--", "sh", "-c", "printf '%s' \"$DB_PASSWORD\" > \"$1\"; exit 7", "sh", seen.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(7);
        assertThat(read(seen)).isEqualTo(secret);
        assertThat(r.all()).doesNotContain(secret);
    }

    @Test
    void environmentBeatsEnvFilesWhichBeatTheServerAndLaterSourcesWin() throws Exception {
        put("secret/run/prec1", "KH_A=server1", "KH_B=server1", "KH_C=server1", "KH_D=server1");
        put("secret/run/prec2", "KH_D=server2");
        Path env1 = Files.writeString(dir.resolve("prec1.env"), "KH_B=file1\nKH_C=file1\nKH_E=\"from ${KH_C}\"\n");
        Path env2 = Files.writeString(dir.resolve("prec2.env"), "KH_B=file2\n");
        Path seen = dir.resolve("prec.txt");
        Run r = cliWithEnv(Map.of("KH_C", "env"), "run", "--path", "secret/run/prec1", "--path", "secret/run/prec2",
                "--env-file", env1.toString(), "--env-file", env2.toString(), "--",
                "sh", "-c", "printf '%s|%s|%s|%s|%s' \"$KH_A\" \"$KH_B\" \"$KH_C\" \"$KH_D\" \"$KH_E\" > \"$1\"", "sh", seen.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(read(seen)).isEqualTo("server1|file2|env|server2|from env");
    }

    @Test
    void filesOptionWritesPrivateFilesAndRemovesThemOnExit() throws Exception {
        String secret = canary();
        put("secret/run/files", "DB_PASSWORD=" + secret);
        Path seen = dir.resolve("files.txt");
        Run r = cli("run", "--path", "secret/run/files", "--files", "--", "sh", "-c",
                "{ cat \"$DB_PASSWORD_FILE\"; echo; echo \"$DB_PASSWORD_FILE\"; stat -c %a \"$DB_PASSWORD_FILE\"; stat -c %a \"$(dirname \"$DB_PASSWORD_FILE\")\"; } > \"$1\"",
                "sh", seen.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(seen);
        assertThat(lines.get(0)).isEqualTo(secret);
        Path file = Path.of(lines.get(1));
        assertThat(lines.get(2)).isEqualTo("600");
        assertThat(lines.get(3)).isEqualTo("700");
        assertThat(file).doesNotExist();
        assertThat(file.getParent()).doesNotExist();
        assertThat(r.all()).doesNotContain(secret);
    }

    @Test
    void requireFromRefusesToStartTheChildAndNamesOnlyTheVariables() throws Exception {
        String secret = canary();
        put("secret/run/req", "DB_PASSWORD=" + secret, "API_KEY=changeme-" + secret, "EMPTY_ONE=");
        Path example = Files.writeString(dir.resolve("req.env.example"), "DB_PASSWORD=\nAPI_KEY=your_key_here\nEMPTY_ONE=\nMISSING_ONE=\n");
        Path marker = dir.resolve("req-started.txt");
        Run r = cli("run", "--path", "secret/run/req", "--require-from", example.toString(), "--", "sh", "-c", "touch \"$1\"", "sh", marker.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(marker).doesNotExist();
        assertThat(r.err()).contains("API_KEY: placeholder value").contains("EMPTY_ONE: empty").contains("MISSING_ONE: missing")
                .doesNotContain("DB_PASSWORD").doesNotContain(secret).doesNotContain("changeme");
        assertThat(r.err().lines().count()).isEqualTo(1);

        Path ok = dir.resolve("req-ok.txt");
        Run fine = cliWithEnv(Map.of("API_KEY", "real-" + UUID.randomUUID(), "EMPTY_ONE", "x", "MISSING_ONE", "y"),
                "run", "--path", "secret/run/req", "--require-from", example.toString(), "--", "sh", "-c", "touch \"$1\"", "sh", ok.toString());
        assertThat(fine.code()).as(fine.err()).isZero();
        assertThat(ok).exists();
    }

    @Test
    void runErrorsAreOneLineAndNeverStartTheChild() throws Exception {
        String secret = canary();
        put("secret/run/badname", "bad-name=" + secret);
        Path marker = dir.resolve("bad-started.txt");
        Run bad = cli("run", "--path", "secret/run/badname", "--", "sh", "-c", "touch \"$1\"", "sh", marker.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("\"bad-name\"").contains("not a valid environment variable name").doesNotContain(secret);

        Run missingFile = cli("run", "--env-file", dir.resolve("nope.env").toString(), "--", "sh", "-c", "touch \"$1\"", "sh", marker.toString());
        assertThat(missingFile.code()).isEqualTo(1);
        assertThat(missingFile.err()).contains("env file not found").contains("nope.env");

        Run noSecret = cli("run", "--path", "secret/run/does-not-exist", "--", "sh", "-c", "touch \"$1\"", "sh", marker.toString());
        assertThat(noSecret.code()).isEqualTo(1);
        assertThat(noSecret.err()).contains("no secret at secret/run/does-not-exist");
        assertThat(marker).doesNotExist();

        Run notFound = cli("run", "--", "keyhaven-no-such-program-" + UUID.randomUUID());
        assertThat(notFound.code()).isEqualTo(127);
        assertThat(notFound.err()).contains("cannot start").contains("no such file or directory").doesNotContain("\tat ");

        assertThat(cli("run").code()).isEqualTo(2);
        assertThat(cli("run", "--bogus", "--", "true").code()).isEqualTo(2);
    }

    @Test
    void optionsAfterTheCommandBelongToTheCommandEvenWithoutDoubleDash() throws Exception {
        Path seen = dir.resolve("nodash.txt");
        Run r = cliWithEnv(Map.of("KH_NODASH", "v"), "run", "sh", "-c", "printf '%s' \"$KH_NODASH\" > \"$1\"", "sh", seen.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(read(seen)).isEqualTo("v");
    }

    @Test
    void sigtermToRunIsForwardedToTheChildAndItsExitCodeComesBack() throws Exception {
        String secret = canary();
        put("secret/run/term", "DB_PASSWORD=" + secret);
        Path term = dir.resolve("term.txt");
        Path ready = dir.resolve("term-ready.txt");
        Path seen = dir.resolve("term-seen.txt");
        Path jvmOut = dir.resolve("term-jvm-out.txt");
        Path jvmErr = dir.resolve("term-jvm-err.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.keyhaven.cli.Main",
                "run", "--path", "secret/run/term", "--", "sh", "-c",
                "trap 'echo got-term > \"$1\"; exit 143' TERM; printf '%s' \"$DB_PASSWORD\" > \"$3\"; echo ready > \"$2\"; while true; do sleep 0.1; done",
                "sh", term.toString(), ready.toString(), seen.toString())
                .redirectOutput(jvmOut.toFile()).redirectError(jvmErr.toFile());
        pb.environment().clear();
        pb.environment().putAll(env(Map.of()));
        Process jvm = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ready) && jvm.isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                jvm.waitFor(50, TimeUnit.MILLISECONDS); // polls the marker file; returns early if the JVM dies
            }
            assertThat(ready).as("child started; JVM stderr: %s", read(jvmErr)).exists();
            jvm.destroy(); // SIGTERM to the keyhaven JVM only
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).as("keyhaven exited after SIGTERM").isTrue();
            assertThat(jvm.exitValue()).isEqualTo(143);
            assertThat(read(term).strip()).isEqualTo("got-term");
            assertThat(read(seen)).isEqualTo(secret);
            assertThat(read(jvmOut) + read(jvmErr)).doesNotContain(secret);
        } finally {
            jvm.descendants().forEach(ProcessHandle::destroyForcibly); // never leave the looping child behind on failure
            jvm.destroyForcibly();
        }
    }

    /** Values a naive dotenv writer gets wrong: quotes, $, backslashes, newlines, #, leading/trailing blanks, CR. */
    static Map<String, String> trickyValues() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("PLAIN", "value-" + UUID.randomUUID());
        m.put("DOUBLE_QUOTES", "say \"hi\" " + UUID.randomUUID());
        m.put("SINGLE_QUOTE", "it's " + UUID.randomUUID());
        m.put("BOTH_QUOTES", "it's \"both\" $HOME \\n");
        m.put("DOLLAR", "pa$$word${HOME}$1");
        m.put("HASH", "a #not-a-comment#");
        m.put("NEWLINES", "line1\nline2\n  line3  ");
        m.put("CRLF", "a\r\nb");
        m.put("BACKSLASH", "C:\\temp\\new");
        m.put("BLANKS", "  padded  ");
        m.put("EMPTY", "");
        m.put("UNICODE", "päss-wörd-✓");
        return m;
    }

    @Test
    void envImportThenExportRoundTripsTrickyValuesOnKvV2AndV1() throws Exception {
        Map<String, String> values = trickyValues();
        StringBuilder dotenv = new StringBuilder("# generated by the test\n");
        values.forEach((k, v) -> dotenv.append(EnvCommand.dotenvLine(k, v)).append('\n'));
        Path file = Files.writeString(dir.resolve("import.env"), dotenv.toString());
        assertThat(parse(dotenv.toString())).isEqualTo(values);

        ApiClient api = new ApiClient(server.url(), root, null);
        api.write("sys/mounts/kv1", Map.of("type", "kv", "options", Map.of("version", "1")));
        for (String path : List.of("secret/env/app", "kv1/env/app")) {
            Run imp = cli("env", "import", file.toString(), "--path", path);
            assertThat(imp.code()).as(imp.err()).isZero();
            assertThat(imp.out()).contains("PLAIN").contains("NEWLINES").contains("12 variable(s)");
            for (String v : values.values()) if (!v.isBlank()) assertThat(imp.all()).doesNotContain(v);

            Run exp = cli("env", "export", "--path", path);
            assertThat(exp.code()).as(exp.err()).isZero();
            assertThat(parse(exp.out())).isEqualTo(values);

            Run json = cli("env", "export", "--path", path, "--format", "json");
            assertThat(json.code()).as(json.err()).isZero();
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readValue(json.out(), Map.class)).isEqualTo(values);
        }
        Run v2 = cli("kv", "get", "-format=json", "secret/env/app");
        assertThat(v2.out()).contains("\"version\" : 1");
        assertThat(cli("env", "import", file.toString(), "--path", "secret/env/app").out()).contains("(version 2)");
    }

    private static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (DotenvEntry e : DotenvParser.expandingFrom(Map.of("HOME", "/wrong")).parse(text, "test")) out.put(e.key(), e.value().reveal());
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void envExportAsKubernetesSecretIsAValidSecretManifest() throws Exception {
        String secret = "true"; // a value whose base64 must still be read as a string
        String pw = canary();
        put("secret/env/k8s-app", "DB_PASSWORD=" + pw, "FLAG=" + secret, "dotted.key=x");
        Run r = cli("env", "export", "--path", "secret/env/k8s-app", "--format", "k8s-secret");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(r.out());
        assertThat(doc).containsEntry("apiVersion", "v1").containsEntry("kind", "Secret").containsEntry("type", "Opaque");
        assertThat((Map<String, Object>) doc.get("metadata")).containsEntry("name", "k8s-app");
        Map<String, Object> data = (Map<String, Object>) doc.get("data");
        assertThat(data).containsOnlyKeys("DB_PASSWORD", "FLAG", "dotted.key");
        assertThat(new String(Base64.getDecoder().decode((String) data.get("DB_PASSWORD")), StandardCharsets.UTF_8)).isEqualTo(pw);
        assertThat(new String(Base64.getDecoder().decode((String) data.get("FLAG")), StandardCharsets.UTF_8)).isEqualTo(secret);

        Run named = cli("env", "export", "--path", "secret/env/k8s-app", "--format", "k8s-secret", "--name", "web.prod");
        assertThat(named.out()).contains("name: \"web.prod\"");
        Run badName = cli("env", "export", "--path", "secret/env/k8s-app", "--format", "k8s-secret", "--name", "Bad_Name");
        assertThat(badName.code()).isEqualTo(2);
        assertThat(badName.err()).contains("not a valid Kubernetes name");
        Run badFormat = cli("env", "export", "--path", "secret/env/k8s-app", "--format", "yaml");
        assertThat(badFormat.code()).isEqualTo(2);
        assertThat(badFormat.all()).doesNotContain(pw);
    }

    @Test
    void envImportDryRunListsNamesOnlyAndWritesNothing() throws Exception {
        String secret = canary();
        Path file = Files.writeString(dir.resolve("dry.env"), "export TOKEN_A=" + secret + "\nTOKEN_B='" + secret + "'\n");
        Run dry = cli("env", "import", file.toString(), "--path", "secret/env/dry", "--dry-run");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("TOKEN_A").contains("TOKEN_B").doesNotContain(secret);
        assertThat(cli("kv", "get", "secret/env/dry").code()).isEqualTo(1);

        Path broken = Files.writeString(dir.resolve("broken.env"), "GOOD=1\n" + secret + "\n");
        Run bad = cli("env", "import", broken.toString(), "--path", "secret/env/dry");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("line 2").doesNotContain(secret);
    }

    @Test
    void envCheckPassesWhenEverythingIsSetAndListsProblemsByNameOtherwise() throws Exception {
        String secret = canary();
        Path example = Files.writeString(dir.resolve("check.env.example"), "KH_DB_URL=postgres://localhost/app\nKH_API_KEY=<your key>\nKH_EMPTY=\n");
        Path envFile = Files.writeString(dir.resolve("check.env"), "KH_EMPTY=filled\nKH_API_KEY=from-file\n");
        Run ok = cliWithEnv(Map.of("KH_DB_URL", secret, "KH_API_KEY", secret), "env", "check", "--example", example.toString(), "--env-file", envFile.toString());
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out().strip()).isEqualTo("ok: 3 required variables set");

        Run fail = cliWithEnv(Map.of("KH_DB_URL", "CHANGEME", "KH_EMPTY", " "), "env", "check", "--example", example.toString());
        assertThat(fail.code()).isEqualTo(1);
        assertThat(fail.err()).contains("KH_DB_URL: placeholder value").contains("KH_API_KEY: missing").contains("KH_EMPTY: empty")
                .contains("3 of 3").doesNotContain("CHANGEME");
        assertThat(fail.all()).doesNotContain(secret);

        Run noExample = cli("env", "check", "--example", dir.resolve("absent.example").toString());
        assertThat(noExample.code()).isEqualTo(1);
        assertThat(noExample.err()).contains("example file not found");
    }

    @Test
    void completionScriptCoversTheTopLevelCommands() {
        Run bash = cli("completion", "bash");
        assertThat(bash.code()).as(bash.err()).isZero();
        assertThat(bash.out()).contains("keyhaven").contains("complete -F");
        for (String sub : List.of("run", "env", "kv", "completion", "token", "scan", "doctor", "server")) assertThat(bash.out()).contains(sub);
        assertThat(bash.out()).contains("--require-from").contains("--env-file");
        Run zsh = cli("completion", "zsh");
        assertThat(zsh.code()).isZero();
        assertThat(zsh.out()).contains("bashcompinit").contains("complete -F");
        Run fish = cli("completion", "fish");
        assertThat(fish.code()).isEqualTo(2);
        assertThat(fish.err()).contains("expected bash or zsh");
    }

    @Test
    void helpOfTheNewCommandsShowsAnExample() {
        for (List<String> cmd : List.of(List.of("run"), List.of("env"), List.of("env", "import"), List.of("env", "export"),
                List.of("env", "check"), List.of("completion"))) {
            Run help = cli(java.util.stream.Stream.concat(cmd.stream(), java.util.stream.Stream.of("--help")).toArray(String[]::new));
            assertThat(help.code()).as(String.join(" ", cmd)).isZero();
            assertThat(help.out()).as(String.join(" ", cmd)).contains("Example").contains("keyhaven " + String.join(" ", cmd));
        }
    }
}
