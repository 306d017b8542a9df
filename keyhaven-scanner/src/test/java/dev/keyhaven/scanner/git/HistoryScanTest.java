package dev.keyhaven.scanner.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.scanner.FakeSecrets;
import dev.keyhaven.scanner.Finding;
import dev.keyhaven.scanner.ScanRunner;
import dev.keyhaven.scanner.Scanner;
import dev.keyhaven.scanner.TestRepo;
import dev.keyhaven.scanner.rules.RuleSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryScanTest {
    @TempDir
    Path tmp;

    private final FakeSecrets fake = new FakeSecrets(42);

    private ScanRunner runner() {
        return new ScanRunner(new Scanner(RuleSet.builtin()), 5 << 20, 2, ScanRunner.Progress.NONE);
    }

    @Test
    void deletedSecretIsFoundAndAttributedToTheCommitThatIntroducedIt() throws Exception {
        TestRepo repo = new TestRepo(tmp);
        repo.write("README.md", "# app\n");
        repo.commit("initial");
        String token = fake.github("ghp");
        repo.write("config/app.env", "LOG_LEVEL=info\nGITHUB_TOKEN=" + token + "\n");
        String introducing = repo.commit("add config");
        repo.write("config/app.env", "LOG_LEVEL=debug\nGITHUB_TOKEN=" + token + "\n");
        repo.commit("tweak log level");
        repo.write("config/app.env", "LOG_LEVEL=debug\n");
        repo.commit("remove token");
        // branch with its own secret, and a rename of a file carrying another secret
        repo.git("checkout", "-q", "-b", "feature");
        String slack = "xoxb-" + fake.chars("0123456789", 12) + "-" + fake.chars("0123456789", 13) + "-" + fake.chars(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);
        repo.write("bot/settings.py", "SLACK_BOT_TOKEN = '" + slack + "'\n");
        String branchCommit = repo.commit("bot settings");
        repo.git("mv", "bot/settings.py", "bot/config.py");
        repo.commit("rename settings");
        repo.git("checkout", "-q", "main");
        repo.write("docs/guide.md", "nothing to see\n");
        repo.commit("docs");

        // the work tree is clean now
        assertThat(runner().scanPaths(List.of(tmp), tmp, true).findings()).isEmpty();

        ScanRunner.Result r = runner().scanHistory(tmp, List.of("--all"));
        assertThat(r.summary().commits()).isEqualTo(7);
        Finding gh = only(r.findings(), "github-pat");
        assertThat(gh.secret()).isEqualTo(token);
        assertThat(gh.path()).isEqualTo("config/app.env");
        assertThat(gh.line()).isEqualTo(2);
        assertThat(gh.commit()).map(c -> c.sha()).contains(introducing);
        assertThat(gh.commit().get().author()).isEqualTo("Test Author");
        assertThat(gh.commit().get().message()).isEqualTo("add config");

        Finding sl = only(r.findings(), "slack-bot-token");
        assertThat(sl.path()).isEqualTo("bot/settings.py"); // the rename did not create a second finding
        assertThat(sl.commit()).map(c -> c.sha()).contains(branchCommit);
        assertThat(r.findings()).hasSize(2);
        assertThat(r.findings().toString()).doesNotContain(token).doesNotContain(slack);
    }

    @Test
    void rangeScanCoversOnlyTheCommitsInTheRange() throws Exception {
        TestRepo repo = new TestRepo(tmp);
        repo.write("a.txt", "GITHUB_TOKEN=" + fake.github("ghp") + "\n");
        String base = repo.commit("old secret");
        String npm = fake.github("npm");
        repo.write("b.txt", "//registry.npmjs.org/:_authToken=" + npm + "\n");
        repo.commit("new secret");
        ScanRunner.Result r = runner().scanHistory(tmp, List.of(base + "..HEAD"));
        assertThat(r.findings()).extracting(Finding::ruleId).containsExactly("npm-access-token");
        assertThat(r.summary().commits()).isEqualTo(1);
    }

    @Test
    void stagedScanSeesTheIndexNotTheWorkTree() throws Exception {
        TestRepo repo = new TestRepo(tmp);
        repo.write("README.md", "hi\n");
        repo.commit("init");
        String staged = fake.github("ghp");
        repo.write("app.env", "GITHUB_TOKEN=" + staged + "\n");
        repo.git("add", "app.env");
        // unstaged edit removes it from the work tree: the index still has it
        repo.write("app.env", "GITHUB_TOKEN=\n");
        repo.write("untracked.env", "GITHUB_TOKEN=" + fake.github("ghp") + "\n");
        ScanRunner.Result r = runner().scanStaged(tmp);
        assertThat(r.findings()).hasSize(1);
        assertThat(r.findings().get(0).secret()).isEqualTo(staged);
        assertThat(r.findings().get(0).path()).isEqualTo("app.env");
    }

    @Test
    void historyOfAnEmptyRepositoryOrBadRevisionIsHandled() throws Exception {
        TestRepo repo = new TestRepo(tmp);
        repo.write("a.txt", "x\n");
        repo.commit("one");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> runner().scanHistory(tmp, List.of("nosuchref..HEAD")))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("git log failed");
    }

    private static Finding only(List<Finding> fs, String rule) {
        List<Finding> m = fs.stream().filter(f -> f.ruleId().equals(rule)).toList();
        assertThat(m).as(rule).hasSize(1);
        return m.get(0);
    }

    static Optional<String> none() {
        return Optional.empty();
    }
}
