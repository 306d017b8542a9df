package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** keyhaven doctor end to end, in-process through Main.commandLine(), on fixture repositories made in a temp dir. */
class DoctorCommandTest {
    @TempDir
    Path tmp;

    private static final SecureRandom RND = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String CHECKOUT_SHA = "11bd71901bbe5b1630ceea73d27597364c9af683";
    /** A workflow without top-level permissions and with a checkout that persists credentials (KH401 high, KH409 medium). */
    static final String LAX_WORKFLOW = "name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n"
            + "      - uses: actions/checkout@" + CHECKOUT_SHA + " # v4.2.2\n      - run: make test\n";

    private String out;
    private String err;

    private int doctor(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        List<String> a = new ArrayList<>(List.of("doctor"));
        a.addAll(List.of(args));
        int code = cl.execute(a.toArray(new String[0]));
        out = o.toString();
        err = e.toString();
        return code;
    }

    private static String rand(String alphabet, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(alphabet.charAt(RND.nextInt(alphabet.length())));
        return sb.toString();
    }

    /** An AWS-access-key-shaped value, generated now (never a committed literal). */
    private static String awsKeyId() { return "AKIA" + rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16); }

    private static String randomSecret() { return rand("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32); }

    private Path repo(String name, boolean git, String... kv) throws Exception {
        Path d = tmp.resolve(name);
        Files.createDirectories(d);
        for (int i = 0; i < kv.length; i += 2) {
            Path p = d.resolve(kv[i]);
            Files.createDirectories(p.getParent());
            Files.writeString(p, kv[i + 1]);
        }
        if (git) {
            run(d, "git", "init", "-q");
            run(d, "git", "add", "-A", "-f");
            run(d, "git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "fixture");
        }
        return d;
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String o = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + o);
    }

    /** Every file under dir (except .git) with its content: to prove nothing was written. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> !dir.relativize(p).startsWith(".git")).toList()) {
                m.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return m;
    }

    @Test
    void textOutputIsAChecklistGroupedByFamilyWithWhyFixAndScore() throws Exception {
        Path d = repo("text", false, "Dockerfile", "FROM node\n", ".github/workflows/ci.yml", LAX_WORKFLOW);
        int code = doctor(d.toString());
        assertThat(code).isEqualTo(13); // KH401 is high, the default threshold
        assertThat(err).isEmpty();
        assertThat(out).startsWith("keyhaven doctor — " + d.toAbsolutePath().normalize());
        // families in report order, each check under its family
        int secrets = out.indexOf("\nSecrets in the checkout\n");
        int containers = out.indexOf("\nContainers and Kubernetes\n");
        int guardrails = out.indexOf("\nGuardrails and governance\n");
        int actions = out.indexOf("\nGitHub Actions workflows\n");
        int trust = out.indexOf("\nOIDC trust and GitLab CI\n");
        assertThat(List.of(secrets, containers, guardrails, actions, trust)).allMatch(i -> i >= 0).isSorted();
        int kh205 = out.indexOf("  ✗ KH205 unpinned-base-image  [medium]");
        assertThat(kh205).isBetween(containers, guardrails);
        assertThat(out.indexOf("  ✗ KH401 default-token-permissions  [high]")).isBetween(actions, trust);
        assertThat(out).contains("  ✓ KH204 k8s-secret-committed\n", "      medium  Dockerfile:1  ",
                "      why: ", "      fix: pin 'FROM image:tag@sha256:<digest>'", "(keyhaven doctor --fix)");
        assertThat(out).containsPattern("\nScore: \\d{1,3}/100 — \\d+ of 43 checks pass; \\d+ finding\\(s\\), 0 suppressed; \\d+ ms\n");
    }

    @Test
    void jsonOutputParsesWithSchemaChecksAndFindings() throws Exception {
        Path d = repo("json", false, "Dockerfile", "FROM node\n");
        assertThat(doctor(d.toString(), "--format", "json", "--only", "KH205,KH201")).isZero();
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("schema").asText()).isEqualTo("json-v1");
        assertThat(j.get("root").asText()).isEqualTo(d.toAbsolutePath().normalize().toString());
        assertThat(j.get("score").asInt()).isEqualTo(50);
        assertThat(j.get("checks")).hasSize(2);
        JsonNode kh205 = null;
        for (JsonNode c : j.get("checks")) if (c.get("id").asText().equals("KH205")) kh205 = c;
        assertThat(kh205).isNotNull();
        assertThat(kh205.get("slug").asText()).isEqualTo("unpinned-base-image");
        assertThat(kh205.get("passed").asBoolean()).isFalse();
        JsonNode f = j.at("/findings/0");
        assertThat(j.get("findings")).hasSize(1);
        assertThat(f.get("id").asText()).isEqualTo("KH205");
        assertThat(f.get("slug").asText()).isEqualTo("unpinned-base-image");
        assertThat(f.get("severity").asText()).isEqualTo("medium");
        assertThat(f.get("path").asText()).isEqualTo("Dockerfile");
        assertThat(f.get("line").asInt()).isEqualTo(1);
        assertThat(f.get("message").asText()).isNotBlank();
        assertThat(f.get("why").asText()).isNotBlank();
        assertThat(f.get("fix").asText()).contains("@sha256");
        assertThat(f.get("fingerprint").asText()).isNotBlank();
        assertThat(j.get("suppressed")).isEmpty();
    }

    @Test
    void sarifOutputParsesAsSarif210WithRulesLevelsAndFingerprints() throws Exception {
        Path d = repo("sarif", false, "Dockerfile", "# keyhaven: ignore[KH201] reason: fixture\nFROM node\n", ".github/workflows/ci.yml", LAX_WORKFLOW);
        assertThat(doctor(d.toString(), "--format", "sarif", "--only", "KH205,KH401")).isEqualTo(13);
        JsonNode s = JSON.readTree(out);
        assertThat(s.get("version").asText()).isEqualTo("2.1.0");
        assertThat(s.get("$schema").asText()).contains("sarif-2.1.0");
        JsonNode driver = s.at("/runs/0/tool/driver");
        assertThat(driver.get("name").asText()).isEqualTo("keyhaven-doctor");
        assertThat(driver.get("rules")).hasSize(2);
        for (JsonNode rule : driver.get("rules")) {
            assertThat(rule.at("/help/text").asText()).startsWith("Fix: ");
            assertThat(rule.at("/properties/security-severity").asText()).isIn("8.0", "5.5");
        }
        JsonNode results = s.at("/runs/0/results");
        assertThat(results).hasSize(2);
        for (JsonNode r : results) {
            String id = r.get("ruleId").asText();
            assertThat(r.get("level").asText()).isEqualTo(id.equals("KH401") ? "error" : "warning");
            assertThat(driver.get("rules").get(r.get("ruleIndex").asInt()).get("id").asText()).isEqualTo(id);
            assertThat(r.at("/locations/0/physicalLocation/artifactLocation/uri").asText()).isIn("Dockerfile", ".github/workflows/ci.yml");
            assertThat(r.at("/partialFingerprints/keyhavenDoctor~1v1").asText()).isNotBlank();
        }
    }

    @Test
    void failOnSetsTheExitCodeToTenPlusTheHighestSeverityAtOrAboveIt() throws Exception {
        Path medium = repo("medium", false, "Dockerfile", "FROM node\n");
        assertThat(doctor(medium.toString(), "--only", "KH205")).isZero(); // default: high
        assertThat(doctor(medium.toString(), "--only", "KH205", "--fail-on", "high")).isZero();
        assertThat(doctor(medium.toString(), "--only", "KH205", "--fail-on", "medium")).isEqualTo(12);
        assertThat(doctor(medium.toString(), "--only", "KH205", "--fail-on", "LOW")).isEqualTo(12);
        Path low = repo("low", false, "Dockerfile", "FROM node:22\n");
        assertThat(doctor(low.toString(), "--only", "KH205", "--fail-on", "medium")).isZero();
        assertThat(doctor(low.toString(), "--only", "KH205", "--fail-on", "low")).isEqualTo(11);
        Path critical = repo("critical", false, "k8s/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: " + randomSecret() + "\n");
        assertThat(doctor(critical.toString(), "--only", "KH204", "--fail-on", "critical")).isEqualTo(14);
    }

    @Test
    void onlyAndSkipSelectChecksByIdOrSlug() throws Exception {
        Path d = repo("sel", false, "Dockerfile", "FROM node\n");
        assertThat(doctor(d.toString(), "--format", "json", "--only", "unpinned-base-image,kh201")).isZero();
        assertThat(JSON.readTree(out).get("checks").findValuesAsText("id")).containsExactlyInAnyOrder("KH205", "KH201");
        assertThat(doctor(d.toString(), "--format", "json", "--only", "KH205", "--only", "KH305")).isZero();
        assertThat(JSON.readTree(out).get("checks").findValuesAsText("id")).containsExactlyInAnyOrder("KH205", "KH305");
        doctor(d.toString(), "--format", "json", "--skip", "KH205,dockerfile-arg-env-secret");
        List<String> ids = JSON.readTree(out).get("checks").findValuesAsText("id");
        assertThat(ids).hasSize(41).doesNotContain("KH205", "KH201");
        assertThat(JSON.readTree(out).get("findings").findValuesAsText("id")).doesNotContain("KH205");
        assertThat(doctor(d.toString(), "--format", "json", "--only", "KH205,KH201", "--skip", "KH205")).isZero();
        assertThat(JSON.readTree(out).get("checks").findValuesAsText("id")).containsExactly("KH201");
    }

    @Test
    void usageErrorsExitTwoWithOneLineOnStderrAndNothingOnStdout() throws Exception {
        Path d = repo("usage", false, "Dockerfile", "FROM node\n");
        String[][] cases = {
            {"--format", "xml"}, {"--fail-on", "severe"}, {"--fail-on", "info"}, {"--only", "KH999"}, {"--skip", "no-such-check"},
            {"--no-such-flag"}, {"--dry-run"}, {"another-dir"}, {"--repo", "acme/app"}, {"--online", "--repo", "not a slug"},
            {"--online"}, // no github.com origin remote to take the repository from
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of(d.toString()));
            args.addAll(List.of(c));
            assertThat(doctor(args.toArray(new String[0]))).as(String.join(" ", c)).isEqualTo(2);
            assertThat(err.strip().lines()).as(String.join(" ", c)).hasSize(1);
            assertThat(err).startsWith("keyhaven doctor: ").doesNotContain("Exception", "\tat ");
            assertThat(out).isEmpty();
        }
        doctor(d.toString(), "--format", "xml");
        assertThat(err).contains("unknown --format 'xml'");
        doctor(d.toString(), "--only", "KH999");
        assertThat(err).contains("unknown check 'KH999'");
        doctor(d.toString(), "--online");
        assertThat(err).contains("--online needs --repo OWNER/REPO");
    }

    @Test
    void missingDirectoryIsAnErrorExitOne() {
        assertThat(doctor(tmp.resolve("nope").toString())).isEqualTo(1);
        assertThat(err.strip().lines()).hasSize(1);
        assertThat(err).contains("not a directory");
    }

    @Test
    void listPrintsEveryCheckAndExitsZero() {
        assertThat(doctor("--list")).isZero();
        assertThat(out.lines()).hasSize(43);
        assertThat(out).contains("KH401  default-token-permissions", "[--fix]", "(OSPS-AC-04.01)");
    }

    private Path fixable(String name, String key) throws Exception {
        return repo(name, false, ".github/workflows/ci.yml", LAX_WORKFLOW, ".gitignore", "target/\n",
                ".env.example", "PORT=8080\nAWS_ACCESS_KEY_ID=" + key + "\n", "Dockerfile", "FROM alpine:3.20@sha256:" + "a".repeat(64) + "\nCOPY . /app\n");
    }

    @Test
    void fixDryRunPrintsTheDiffAndWritesNothing() throws Exception {
        String key = awsKeyId();
        Path d = fixable("dry", key);
        Map<String, String> before = snapshot(d);
        int code = doctor(d.toString(), "--fix", "--dry-run", "--only", "KH401,KH409,KH102,KH105,KH202");
        assertThat(code).isEqualTo(13);
        assertThat(out).contains("--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n", "+permissions:\n+  contents: read\n",
                "+          persist-credentials: false\n", "--- a/.gitignore\n", "+# >>> keyhaven doctor: secret files (managed block)\n",
                "--- a/.env.example\n", "-AWS_ACCESS_KEY_ID=<redacted>\n+AWS_ACCESS_KEY_ID=\n", "--- a/.dockerignore\n",
                "dry run: 4 file change(s) shown, nothing written");
        assertThat(out).doesNotContain("applied ", key);
        assertThat(snapshot(d)).isEqualTo(before);
        assertThat(Files.list(d).map(p -> p.getFileName().toString())).doesNotContain(".dockerignore");
    }

    @Test
    void fixWritesTheChangesAndARerunOfThoseChecksIsClean() throws Exception {
        String key = awsKeyId();
        Path d = fixable("fix", key);
        String only = "KH401,KH409,KH102,KH105,KH202";
        int code = doctor(d.toString(), "--fix", "--only", only, "--fail-on", "low");
        assertThat(out).contains("applied 4 file change(s); re-checking", "Score: 100/100");
        assertThat(code).isZero();
        assertThat(Files.readString(d.resolve(".env.example"))).isEqualTo("PORT=8080\nAWS_ACCESS_KEY_ID=\n");
        assertThat(Files.readString(d.resolve(".github/workflows/ci.yml"))).contains("permissions:\n  contents: read\n", "persist-credentials: false");
        assertThat(Files.readString(d.resolve(".gitignore"))).startsWith("target/\n").contains("!.env.example", "*.pem");
        assertThat(Files.readString(d.resolve(".dockerignore"))).contains(".env", "**/*.pem");
        // no temp files left behind by the atomic writes
        try (Stream<Path> s = Files.walk(d)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".keyhaven-fix"));
        }
        assertThat(doctor(d.toString(), "--only", only, "--fail-on", "low", "--format", "json")).isZero();
        assertThat(JSON.readTree(out).get("findings")).isEmpty();
        assertThat(doctor(d.toString(), "--fix", "--only", only)).isZero();
        assertThat(out).contains("nothing to fix mechanically");
    }

    @Test
    void fixWithJsonKeepsStdoutOneDocumentAndPutsTheDiffOnStderr() throws Exception {
        Path d = fixable("fixjson", awsKeyId());
        doctor(d.toString(), "--fix", "--dry-run", "--format", "json", "--only", "KH401");
        assertThat(JSON.readTree(out).get("schema").asText()).isEqualTo("json-v1");
        assertThat(err).contains("+permissions:");
    }

    @Test
    void aPlantedCanaryNeverAppearsInAnyOutputFormat() throws Exception {
        String canary = randomSecret();
        String key = awsKeyId();
        Path d = repo("canary", true,
                ".env", "DB_PASSWORD=" + canary + "\n",
                ".env.example", "DB_PASSWORD=" + canary + "\nAWS_ACCESS_KEY_ID=" + key + "\n",
                "src/main/resources/application.properties", "spring.datasource.password=" + canary + "\n",
                "docker-compose.yml", "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: " + canary + "\n",
                "Dockerfile", "FROM alpine:3.20\nENV API_SECRET=" + canary + "\nCOPY . /app\n",
                "k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: " + canary + "\n",
                ".github/workflows/ci.yml", LAX_WORKFLOW.replace("    steps:\n",
                        "    services:\n      db:\n        image: postgres\n        credentials:\n          username: u\n          password: " + canary + "\n    steps:\n"));
        List<String[]> runs = List.of(new String[] {}, new String[] {"--format", "json"}, new String[] {"--format", "sarif"},
                new String[] {"--fix", "--dry-run"}, new String[] {"--fix", "--dry-run", "--format", "json"}, new String[] {"--fix", "--dry-run", "--format", "sarif"});
        for (String[] extra : runs) {
            List<String> args = new ArrayList<>(List.of(d.toString(), "--fail-on", "low"));
            args.addAll(List.of(extra));
            int code = doctor(args.toArray(new String[0]));
            assertThat(code).as(String.join(" ", extra)).isEqualTo(14);
            assertThat(out + err).as(String.join(" ", extra)).doesNotContain(canary).doesNotContain(key);
        }
        // the canary was really looked at: the checks that read it fired
        doctor(d.toString(), "--format", "json");
        assertThat(JSON.readTree(out).get("findings").findValuesAsText("id")).contains("KH101", "KH105", "KH107", "KH201", "KH203", "KH204");
    }
}
