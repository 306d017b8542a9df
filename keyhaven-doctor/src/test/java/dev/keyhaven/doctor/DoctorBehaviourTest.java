package dev.keyhaven.doctor;

import static dev.keyhaven.doctor.Fixtures.files;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhaven.doctor.fix.Fixer;
import dev.keyhaven.doctor.report.JsonReporter;
import dev.keyhaven.doctor.report.SarifReporter;
import dev.keyhaven.doctor.report.TextReporter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorBehaviourTest {
    static final LocalDate TODAY = LocalDate.of(2026, 6, 1);
    static final String WF = "on: push\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n      - run: make\n";

    Report run(Path dir, String... only) {
        return new Doctor().run(dir, new DoctorOptions(Set.of(only), Set.of(), TODAY));
    }

    @Test
    void inlineSuppressionWithReasonSuppressesAndWithoutReasonOrExpiredDoesNot(@TempDir Path tmp) throws Exception {
        Path ok = Fixtures.write(tmp.resolve("ok"), files("Dockerfile", "# keyhaven: ignore[KH205] reason: local dev image only until: 2027-01-01\nFROM node\n"), false);
        Report r = run(ok, "KH205", "KH304");
        assertThat(r.findings()).isEmpty();
        assertThat(r.suppressed()).singleElement().satisfies(s -> assertThat(s.reason()).isEqualTo("local dev image only"));

        Path noReason = Fixtures.write(tmp.resolve("noreason"), files("Dockerfile", "# keyhaven: ignore[KH205]\nFROM node\n"), false);
        assertThat(run(noReason, "KH205", "KH304").findings()).extracting(Finding::checkId).containsExactlyInAnyOrder("KH205", "KH304");

        Path expired = Fixtures.write(tmp.resolve("expired"), files("Dockerfile", "# keyhaven: ignore[KH205] reason: temp until: 2025-01-01\nFROM node\n"), false);
        assertThat(run(expired, "KH205", "KH304").findings()).extracting(Finding::checkId).containsExactlyInAnyOrder("KH205", "KH304");
    }

    @Test
    void configSuppressionNeedsAReason(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("c"), files("Dockerfile", "FROM node\n", ".keyhaven/doctor.toml",
                "[[suppress]]\nid = \"KH205\"\npath = \"Dockerfile\"\nreason = \"base image is rebuilt nightly\"\n"), false);
        assertThat(run(d, "KH205").findings()).isEmpty();
        Path bad = Fixtures.write(tmp.resolve("b"), files("Dockerfile", "FROM node\n", ".keyhaven/doctor.toml", "[[suppress]]\nid = \"KH205\"\n"), false);
        assertThat(run(bad, "KH205", "KH304").findings()).extracting(Finding::checkId).containsExactlyInAnyOrder("KH205", "KH304");
    }

    @Test
    void fixAddsPermissionsAndPersistCredentialsAndTheResultPasses(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("r"), files(".github/workflows/ci.yml", WF), false);
        Report r = run(d, "KH401", "KH409");
        assertThat(r.findings()).extracting(Finding::checkId).contains("KH401", "KH409");
        RepoContext ctx = RepoLoader.load(d, TODAY);
        List<Fixer.Edit> edits = Fixer.plan(ctx, new Doctor().run(ctx, new Doctor().selected(new DoctorOptions(Set.of("KH401", "KH409"), Set.of(), TODAY)), 0));
        assertThat(edits).singleElement().satisfies(e -> assertThat(e.diff()).contains("+permissions:", "+  contents: read", "+          persist-credentials: false"));
        String before = Files.readString(d.resolve(".github/workflows/ci.yml"));
        Fixer.apply(d, edits);
        assertThat(Files.readString(d.resolve(".github/workflows/ci.yml"))).isNotEqualTo(before);
        assertThat(run(d, "KH401", "KH409").findings()).isEmpty();
    }

    @Test
    void fixBlanksExampleValuesAndWritesIgnoreBlock(@TempDir Path tmp) throws Exception {
        String key = Fixtures.awsKeyId();
        Path d = Fixtures.write(tmp.resolve("r"), files(".env.example", "AWS_ACCESS_KEY_ID=" + key + "\n", ".gitignore", "target/\n"), true);
        RepoContext ctx = RepoLoader.load(d, TODAY);
        Doctor doc = new Doctor();
        Report r = doc.run(ctx, doc.selected(new DoctorOptions(Set.of("KH102", "KH105"), Set.of(), TODAY)), 0);
        List<Fixer.Edit> edits = Fixer.plan(ctx, r);
        assertThat(edits).allSatisfy(e -> assertThat(e.diff() + e).doesNotContain(key));
        assertThat(edits).anySatisfy(e -> assertThat(e.diff()).contains("-AWS_ACCESS_KEY_ID=<redacted>\n+AWS_ACCESS_KEY_ID=\n"));
        Fixer.apply(d, edits);
        assertThat(Files.readString(d.resolve(".env.example"))).isEqualTo("AWS_ACCESS_KEY_ID=\n");
        assertThat(run(d, "KH102", "KH105").findings()).isEmpty();
    }

    @Test
    void outputsNeverContainTheSecretAndSarifIsWellFormed(@TempDir Path tmp) throws Exception {
        String canary = Fixtures.randomSecret();
        Path d = Fixtures.write(tmp.resolve("r"), files("src/main/resources/application.properties", "spring.datasource.password=" + canary + "\n",
                "docker-compose.yml", "services:\n  db:\n    environment:\n      DB_PASSWORD: " + canary + "\n"), false);
        Report r = run(d);
        StringWriter text = new StringWriter();
        TextReporter.write(r, new PrintWriter(text));
        StringWriter json = new StringWriter();
        JsonReporter.write(r, json);
        StringWriter sarif = new StringWriter();
        SarifReporter.write(r, sarif);
        for (String out : List.of(text.toString(), json.toString(), sarif.toString())) assertThat(out).doesNotContain(canary);
        assertThat(text.toString()).contains("✗ KH107 literal-secret-in-config", "Score:");
        JsonNode j = new ObjectMapper().readTree(json.toString());
        assertThat(j.get("schema").asText()).isEqualTo("json-v1");
        JsonNode s = new ObjectMapper().readTree(sarif.toString());
        assertThat(s.get("version").asText()).isEqualTo("2.1.0");
        JsonNode res = s.at("/runs/0/results/0");
        assertThat(res.get("partialFingerprints").size()).isEqualTo(1);
        assertThat(s.at("/runs/0/tool/driver/rules/0/properties/security-severity").asText()).isNotEmpty();
    }

    @Test
    void exitCodeIsTenPlusHighestSeverityAtOrAboveThreshold(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("r"), files("Dockerfile", "FROM node:22\n"), false);
        Report r = run(d, "KH205");
        assertThat(r.exitCode(Severity.HIGH)).isZero();
        assertThat(r.exitCode(Severity.LOW)).isEqualTo(11);
    }

    @Test
    void dockerfileVariantsAreDockerfilesButSourceFilesNamedAfterThemAreNot() {
        assertThat(List.of("Dockerfile", "svc/Dockerfile.dev", "Dockerfile.alpine", "build/app.dockerfile", "Containerfile", "Containerfile.j2"))
                .allMatch(RepoContext::isDockerfile);
        assertThat(List.of("src/docker/Dockerfile.java", "Dockerfile.md", "lib/dockerfile.py", "Dockerfile.test.ts", "dockerfiles/README"))
                .noneMatch(RepoContext::isDockerfile);
    }

    @Test
    void thisRepositoryPassesAtFailOnHigh() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) p = p.getParent();
        assertThat(p).isNotNull();
        Report r = new Doctor().run(p, new DoctorOptions(Set.of(), Set.of(), LocalDate.now()));
        assertThat(r.findings().stream().filter(f -> f.severity().atLeast(Severity.HIGH)).map(f -> f.checkId() + " " + f.location() + " " + f.message()).toList()).isEmpty();
    }
}
