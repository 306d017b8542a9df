package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhaven.scanner.Fingerprints;
import dev.keyhaven.scanner.rules.Validator;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** keyhaven scan end to end, in-process, on real files and real git repositories. */
class ScanCommandTest {
    @TempDir
    Path dir;

    private final Random rnd = new Random(77);
    private String out;
    private String err;

    private int scan(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        List<String> a = new ArrayList<>(List.of("scan"));
        a.addAll(List.of(args));
        int code = cl.execute(a.toArray(new String[0]));
        out = o.toString();
        err = e.toString();
        return code;
    }

    /** A GitHub-format token with a valid checksum, generated now (never a committed literal). */
    private String ghToken() {
        String alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            sb.append(alnum.charAt(rnd.nextInt(alnum.length())));
        }
        return "ghp_" + sb + Validator.base62Crc(sb.toString());
    }

    private void git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=T", "-c", "user.email=t@example.invalid",
                "-c", "commit.gpgsign=false"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String o = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(o).isZero();
    }

    @Test
    void cleanTreeExitsZero() throws Exception {
        Files.writeString(dir.resolve("README.md"), "# hello\n");
        assertThat(scan(dir.toString())).isZero();
        assertThat(out).contains("No secrets found").contains("scanned 1 file");
    }

    @Test
    void secretIsReportedRedactedWithLocationAndExitCodeOne() throws Exception {
        String token = ghToken();
        Files.writeString(dir.resolve("app.py"), "import os\nTOKEN = '" + token + "'\n");
        assertThat(scan(dir.toString())).isEqualTo(1);
        assertThat(out).contains("app.py:2:10  github-pat  critical  ghp_…" + token.substring(36))
                .doesNotContain(token);
        assertThat(err).doesNotContain(token);
        assertThat(scan("--show-secrets", dir.toString())).isEqualTo(1);
        assertThat(out).contains(token);
    }

    @Test
    void jsonAndSarifReportsAreValidAndRedacted() throws Exception {
        String token = ghToken();
        Files.writeString(dir.resolve("app.env"), "GITHUB_TOKEN=" + token + "\n");
        ObjectMapper json = new ObjectMapper();
        assertThat(scan("--format", "json", dir.toString())).isEqualTo(1);
        JsonNode j = json.readTree(out);
        assertThat(j.path("findings")).hasSize(1);
        assertThat(j.path("findings").get(0).path("ruleId").asText()).isEqualTo("github-pat");
        assertThat(j.path("findings").get(0).path("fingerprint").asText()).hasSize(40);
        assertThat(out).doesNotContain(token);

        Path sarif = dir.resolve("out/report.sarif");
        assertThat(scan("--format", "sarif", "--output", sarif.toString(), dir.resolve("app.env").toString())).isEqualTo(1);
        String s = Files.readString(sarif);
        assertThat(s).doesNotContain(token);
        JsonNode root = json.readTree(s);
        assertThat(root.path("version").asText()).isEqualTo("2.1.0");
        JsonNode run = root.path("runs").get(0);
        JsonNode rule = run.path("tool").path("driver").path("rules").get(0);
        assertThat(rule.path("id").asText()).isEqualTo("github-pat");
        assertThat(rule.path("help").path("text").asText()).contains("revoke");
        assertThat(rule.path("properties").path("security-severity").asText()).isEqualTo("9.5");
        JsonNode res = run.path("results").get(0);
        assertThat(res.path("partialFingerprints").path("keyhaven/v1").asText()).hasSize(40);
        assertThat(res.path("locations").get(0).path("physicalLocation").path("region").path("startLine").asInt()).isEqualTo(1);
        assertThat(err).contains("1 secret found");
    }

    @Test
    void usageErrorsExitTwoWithOneLineMessage() throws Exception {
        assertThat(scan("--format", "xml", dir.toString())).isEqualTo(2);
        assertThat(err.trim().lines()).hasSize(1);
        assertThat(err).contains("unknown --format 'xml'");
        assertThat(scan("--no-such-flag", dir.toString())).isEqualTo(2);
        assertThat(err.trim().lines()).hasSize(1);
        assertThat(err).contains("unknown option '--no-such-flag'");
        assertThat(scan("--max-size", "lots", dir.toString())).isEqualTo(2);
        assertThat(err).contains("invalid --max-size");
        assertThat(scan("--staged", "--history")).isEqualTo(2);
        assertThat(err).contains("choose one of");
        assertThat(scan("--baseline-update", dir.toString())).isEqualTo(2);
        assertThat(scan(dir.resolve("missing").toString())).isEqualTo(2);
        assertThat(err).contains("no such file or directory");
        assertThat(scan("--history", dir.toString())).isEqualTo(2);
        assertThat(err).contains("not inside a git work tree").doesNotContain("Exception");
    }

    @Test
    void baselineCreateThenOnlyNewFindingsAndUpdateKeepsReviewedDecisions() throws Exception {
        Files.writeString(dir.resolve("old.env"), "GITHUB_TOKEN=" + ghToken() + "\n");
        Path baseline = dir.resolve(".keyhaven/baseline.json");
        assertThat(scan("--baseline-create", baseline.toString(), dir.toString())).isZero();
        String stored = Files.readString(baseline);
        assertThat(stored).contains("github-pat").doesNotContain(Files.readString(dir.resolve("old.env")).substring(13, 53));
        assertThat(scan("--baseline", baseline.toString(), dir.toString())).isZero();
        assertThat(out).contains("1 known (in baseline)");

        String fresh = ghToken();
        Files.writeString(dir.resolve("new.env"), "GITHUB_TOKEN=" + fresh + "\n");
        assertThat(scan("--baseline", baseline.toString(), dir.toString())).isEqualTo(1);
        assertThat(out).contains("new.env").doesNotContain("old.env:");

        // reviewer marks the old one a false positive; update keeps that and adds the new one
        Files.writeString(baseline, stored.replace("\"unreviewed\"", "\"false_positive\""));
        assertThat(scan("--baseline", baseline.toString(), "--baseline-update", dir.toString())).isZero();
        JsonNode b = new ObjectMapper().readTree(baseline.toFile());
        assertThat(b.path("findings")).hasSize(2);
        List<String> statuses = new ArrayList<>();
        b.path("findings").forEach(n -> statuses.add(n.path("path").asText().replaceAll(".*/", "") + "=" + n.path("status").asText()));
        assertThat(statuses).containsExactlyInAnyOrder("old.env=false_positive", "new.env=unreviewed");
        assertThat(scan("--baseline", baseline.toString(), dir.toString())).isZero();
    }

    @Test
    void detectSecretsBaselineIsImported() throws Exception {
        String token = ghToken();
        Files.writeString(dir.resolve("settings.py"), "GITHUB = '" + token + "'\n");
        git("init", "-q");
        String ds = "{\"version\": \"1.5.0\", \"results\": {\"settings.py\": [{\"type\": \"GitHub Token\", \"filename\": \"settings.py\","
                + " \"hashed_secret\": \"" + Fingerprints.sha1Hex(token) + "\", \"is_verified\": false, \"line_number\": 1,"
                + " \"is_secret\": false}]}}";
        Files.writeString(dir.resolve(".secrets.baseline"), ds);
        Path target = dir.resolve("kh-baseline.json");
        Path cwdRelative = Path.of("").toAbsolutePath().relativize(dir);
        assertThat(scan("--baseline-import", dir.resolve(".secrets.baseline").toString(), "--baseline-create", target.toString(),
                dir.toString())).isZero();
        assertThat(err).contains("imported 1 of 1 detect-secrets entries");
        assertThat(Files.readString(target)).contains("false_positive");
        assertThat(scan("--baseline", target.toString(), dir.toString())).isZero();
        assertThat(cwdRelative).isNotNull();
    }

    @Test
    void stdinIsScanned() {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(("token: " + ghToken() + "\n").getBytes(StandardCharsets.UTF_8)));
            assertThat(scan("-")).isEqualTo(1);
            assertThat(out).contains("<stdin>:1:8  github-pat");
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void placeholdersAreListedAsTheirOwnClassWhenAsked() throws Exception {
        Files.writeString(dir.resolve("prod.env"), "DB_PASSWORD=CHANGEME_before_deploy\n");
        assertThat(scan(dir.toString())).isZero();
        assertThat(scan("--report-placeholders", dir.toString())).isEqualTo(1);
        assertThat(out).contains("Placeholders (not secrets").contains("prod.env:1:13").contains("placeholder");
    }

    @Test
    void stagedHistoryAndInstalledHookWorkOnARealRepository() throws Exception {
        git("init", "-q");
        Files.writeString(dir.resolve("README.md"), "hi\n");
        git("add", ".");
        git("commit", "-q", "-m", "init");
        String token = ghToken();
        Files.writeString(dir.resolve("deploy.env"), "GITHUB_TOKEN=" + token + "\n");
        git("add", "deploy.env");
        assertThat(scan("--staged", dir.toString())).isEqualTo(1);
        assertThat(out).contains("deploy.env:1:14  github-pat");
        git("commit", "-q", "-m", "oops");
        Files.delete(dir.resolve("deploy.env"));
        git("commit", "-q", "-am", "remove");
        assertThat(scan(dir.toString())).isZero();
        assertThat(scan("--history", dir.toString())).isEqualTo(1);
        assertThat(out).contains("deploy.env:1:14").contains("commit ").contains("oops").contains("T <t@example.invalid>");

        assertThat(scan("--install-hook", dir.toString())).isZero();
        Path hook = dir.resolve(".git/hooks/pre-commit");
        assertThat(Files.readString(hook)).contains(ScanCommand.HOOK_MARKER).contains("scan --staged");
        assertThat(Files.isExecutable(hook)).isTrue();
        assertThat(scan("--install-hook", dir.toString())).isZero(); // ours: replaced
        Files.writeString(hook, "#!/bin/sh\necho someone else's hook\n");
        assertThat(scan("--install-hook", dir.toString())).isEqualTo(2);
        assertThat(err).contains("already exists");
    }

    @Test
    void helpShowsAnExampleAndExitCodes() {
        assertThat(scan("--help")).isZero();
        assertThat(out).contains("Examples:").contains("keyhaven scan --staged").contains("Exit codes: 0");
    }
}
