package dev.keyhaven.doctor;

import static dev.keyhaven.doctor.Fixtures.files;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Directories that are not git work trees get git's ignore semantics through the scanner's FileWalker and GitIgnore. */
class NonGitIgnoreTest {
    static final LocalDate TODAY = LocalDate.of(2026, 6, 1);
    static final String GOOD = ".env\n.env.*\n!.env.example\n.secrets/\n*.pem\n*.key\n*.p12\n*.jks\nid_rsa*\n**/secrets.y*ml\n.pypirc\n.npmrc\n"
            + "credentials.json\n*.tfstate*\n*.tfvars\n.vault-token\nkubeconfig\n";

    static Report run(Path dir, String... only) {
        return new Doctor().run(dir, new DoctorOptions(Set.of(only), Set.of(), TODAY));
    }

    @Test
    void kh102OutsideGitReportsExactlyTheProbesTheGitignoreMisses(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("bad"), files(".gitignore", "target/\n*.pem\n.env\n"), false);
        assertThat(Files.exists(d.resolve(".git"))).isFalse();
        Report r = run(d, "KH102");
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.location().path()).isEqualTo(".gitignore");
            assertThat(f.message()).startsWith("not ignored: ").contains(".env.local", "a.key", "kubeconfig")
                    .doesNotContain("a.pem").doesNotContain(".env,");
        });
    }

    @Test
    void kh102OutsideGitIsSilentWithAFullGitignore(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("good"), files(".gitignore", GOOD, ".env.example", "PORT=\n"), false);
        assertThat(run(d, "KH102").findings()).isEmpty();
    }

    @Test
    void kh102OutsideGitSeesAnIgnoredEnvExampleAndItsNegation(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("neg"), files(".gitignore", GOOD.replace("!.env.example\n", "")), false);
        assertThat(run(d, "KH102").findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.LOW);
            assertThat(f.message()).contains(".env.example is ignored");
        });
    }

    @Test
    void kh102OutsideGitHonoursNestedGitignoreFilesAndNegatedDirectories(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("nested"), files(".gitignore", GOOD.replace("**/secrets.y*ml\n", "")), false);
        assertThat(run(d, "KH102").findings()).singleElement().satisfies(f -> assertThat(f.message()).isEqualTo("not ignored: config/secrets.yaml"));
        Files.createDirectories(d.resolve("config"));
        Files.writeString(d.resolve("config/.gitignore"), "secrets.yaml\n");
        assertThat(run(d, "KH102").findings()).isEmpty();
        // ".secrets" ignores the directory (and so .secrets/x); the later "!.secrets/" re-includes it
        Files.writeString(d.resolve(".gitignore"), GOOD.replace(".secrets/\n", ".secrets\n!.secrets/\n"));
        assertThat(run(d, "KH102").findings()).singleElement().satisfies(f -> assertThat(f.message()).isEqualTo("not ignored: .secrets/x"));
    }

    @Test
    void subdirectoryOfAWorkTreeUsesTheGitignoreAbove(@TempDir Path tmp) throws Exception {
        Path repo = Fixtures.write(tmp.resolve("repo"), files(".gitignore", GOOD, "svc/app/README.md", "service\n"), true);
        assertThat(run(repo.resolve("svc/app"), "KH102").findings()).isEmpty();
        Files.writeString(repo.resolve(".gitignore"), GOOD.replace("kubeconfig\n", ""));
        assertThat(run(repo.resolve("svc/app"), "KH102").findings()).singleElement()
                .satisfies(f -> assertThat(f.message()).isEqualTo("not ignored: kubeconfig"));
    }

    @Test
    void walkOutsideGitSkipsIgnoredDirectoriesAndFiles(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("walk"), files(
                ".gitignore", "node_modules/\nbuild/\n*.local.Dockerfile\n",
                "Dockerfile", "FROM node\n",
                "node_modules/pkg/Dockerfile", "FROM node\n",
                "build/Dockerfile", "FROM node\n",
                "dev.local.Dockerfile", "FROM node\n",
                "svc/.gitignore", "gen/\n",
                "svc/gen/Dockerfile", "FROM node\n",
                "svc/Dockerfile", "FROM node\n"), false);
        RepoContext ctx = RepoLoader.load(d, TODAY);
        assertThat(ctx.isGitRepo()).isFalse();
        assertThat(ctx.files()).containsExactly(".gitignore", "Dockerfile", "svc/.gitignore", "svc/Dockerfile");
        assertThat(run(d, "KH205").findings()).extracting(f -> f.location().path()).containsExactlyInAnyOrder("Dockerfile", "svc/Dockerfile");
    }

    @Test
    void walkOutsideGitWithoutGitignoreListsEverything(@TempDir Path tmp) throws Exception {
        Path d = Fixtures.write(tmp.resolve("plain"), files("a/b/c.txt", "x\n", "node_modules/m/index.js", "x\n"), false);
        assertThat(RepoLoader.load(d, TODAY).files()).containsExactly("a/b/c.txt", "node_modules/m/index.js");
    }
}
