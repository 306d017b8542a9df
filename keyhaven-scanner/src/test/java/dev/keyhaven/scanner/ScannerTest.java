package dev.keyhaven.scanner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.scanner.config.ScanConfig;
import dev.keyhaven.scanner.rules.AhoCorasick;
import dev.keyhaven.scanner.rules.RuleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScannerTest {
    private final FakeSecrets fake = new FakeSecrets(1234);
    private final Scanner scanner = new Scanner(RuleSet.builtin());

    @Test
    void findingReportsLineColumnAndRedactsInToString() {
        String token = fake.github("ghp");
        List<Finding> f = scanner.scan("a/b.py", "import os\n\n  héllo = '" + token + "'\n");
        assertThat(f).hasSize(1);
        assertThat(f.get(0).line()).isEqualTo(3);
        assertThat(f.get(0).column()).isEqualTo(12); // counted in characters, é is one
        assertThat(f.get(0).toString()).doesNotContain(token).contains("ghp_…" + token.substring(token.length() - 4));
        assertThat(f.get(0).redacted()).isEqualTo("ghp_…" + token.substring(token.length() - 4));
    }

    @Test
    void githubTokenWithWrongChecksumIsNotAFinding() {
        assertThat(scanner.scan("x.env", "GITHUB_TOKEN=" + fake.githubWrongChecksum("ghp") + "\n")).isEmpty();
    }

    @Test
    void inlineAllowCommentsSuppressAFinding() {
        String t = fake.github("ghp");
        assertThat(scanner.scan("a.py", "TOKEN = '" + t + "'  # keyhaven:allow\n")).isEmpty();
        assertThat(scanner.scan("a.go", "token := \"" + t + "\" // gitleaks:allow\n")).isEmpty();
        assertThat(scanner.scan("a.py", "TOKEN = '" + t + "'  # pragma: allowlist secret\n")).isEmpty();
        assertThat(scanner.scan("a.py", "# pragma: allowlist nextline secret\nTOKEN = '" + t + "'\n")).isEmpty();
        assertThat(scanner.scan("a.py", "TOKEN = '" + t + "'\n")).hasSize(1);
    }

    @Test
    void placeholdersAreOnlyReportedWhenAskedAndAsTheirOwnKind() {
        String text = "DB_PASSWORD=CHANGEME_please_now\napi_key = \"your_api_key_here\"\ntoken: ${API_TOKEN}\n";
        assertThat(scanner.scan("app.env", text)).isEmpty();
        List<Finding> f = new Scanner(RuleSet.builtin(), new Scanner.Options(true)).scan("app.env", text);
        assertThat(f).isNotEmpty().allMatch(x -> x.kind() == Finding.Kind.PLACEHOLDER);
    }

    @Test
    void fingerprintIsStableAndDoesNotContainTheSecret() {
        String t = fake.github("ghp");
        Finding a = scanner.scan("p.env", "X=" + t).get(0);
        Finding b = scanner.scan("p.env", "\n\nX=" + t).get(0);
        assertThat(a.fingerprint()).isEqualTo(b.fingerprint()).doesNotContain(t).hasSize(40);
        assertThat(scanner.scan("q.env", "X=" + t).get(0).fingerprint()).isNotEqualTo(a.fingerprint());
    }

    @Test
    void ahoCorasickFindsOverlappingKeywordsCaseInsensitively() {
        AhoCorasick ac = new AhoCorasick(List.of("he", "she", "hers", "his"));
        List<String> hits = new ArrayList<>();
        byte[] text = "uSHErs his".getBytes();
        ac.scan(text, 0, text.length, (kw, end) -> hits.add(kw + "@" + end));
        assertThat(hits).containsExactlyInAnyOrder("1@4", "0@4", "2@6", "3@10");
    }

    @Test
    void configAllowlistsDisabledRulesAndCustomRulesApply(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve(".keyhaven"));
        Files.writeString(dir.resolve(".keyhaven/scan.toml"), String.join("\n",
                "disabledRules = [\"slack-bot-token\"]",
                "[allowlist]",
                "paths = ['''^fixtures/''']",
                "regexes = ['''^ghp_ALLOWED''']",
                "[[rules]]",
                "id = \"acme-internal-token\"",
                "description = \"ACME internal token\"",
                "severity = \"critical\"",
                "regex = '''\\b(acme_[a-z0-9]{32})\\b'''",
                "keywords = [\"acme_\"]",
                ""));
        Files.writeString(dir.resolve(".gitleaks.toml"), String.join("\n",
                "[extend]",
                "useDefault = true",
                "[[rules]]",
                "id = \"legacy-corp-key\"",
                "description = \"Corp key\"",
                "regex = '''corpkey-([A-Z0-9]{20})'''",
                "keywords = [\"corpkey-\"]",
                "[rules.allowlist]",
                "stopwords = [\"TEST\"]",
                "[allowlist]",
                "paths = ['''\\.lock$''']",
                ""));
        ScanConfig cfg = ScanConfig.load(dir, Optional.empty());
        assertThat(cfg.warnings()).isEmpty();
        Scanner s = new Scanner(cfg.ruleSet());
        String acme = "acme_" + fake.chars("abcdefghijklmnopqrstuvwxyz0123456789", 32);
        assertThat(s.scan("src/a.txt", "t = " + acme)).extracting(Finding::ruleId).containsExactly("acme-internal-token");
        assertThat(s.scan("fixtures/a.txt", "t = " + acme)).isEmpty();
        assertThat(s.scan("x.lock", "t = " + acme)).isEmpty();
        String corp = "corpkey-" + fake.chars("ABCDEFGHIJKLMNOPQRSUVWXYZ0123456789", 20);
        assertThat(s.scan("a.txt", corp)).extracting(Finding::ruleId).containsExactly("legacy-corp-key");
        assertThat(s.scan("a.txt", "corpkey-TEST" + fake.chars("0123456789", 16))).isEmpty();
        String slack = "xoxb-" + fake.chars("0123456789", 12) + "-" + fake.chars("0123456789", 12) + "-" + fake.chars(FakeSecrets.ALNUM, 24);
        assertThat(s.scan("a.txt", slack)).isEmpty();
        assertThat(new Scanner(RuleSet.builtin()).scan("a.txt", slack)).hasSize(1);
    }

    @Test
    void invalidConfigFailsWithAMessageNamingFileAndRule(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve(".keyhaven"));
        Files.writeString(dir.resolve(".keyhaven/scan.toml"), "[[rules]]\nid = \"bad\"\nregex = '''(unclosed'''\n");
        assertThatThrownBy(() -> ScanConfig.load(dir, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scan.toml").hasMessageContaining("bad");
    }

    @Test
    void gitleaksStyleRegexFeaturesLoadUnchanged(@TempDir Path dir) throws Exception {
        // flags switched mid-pattern and case-sensitive sub-groups, as gitleaks' generated rules use them
        Files.writeString(dir.resolve(".gitleaks.toml"), String.join("\n",
                "title = \"team config\"",
                "[[rules]]",
                "id = \"zed-key\"",
                "regex = '''\\b(zz9-(?i)[a-z0-9]{24})(?:[\\x60'\"\\s;]|\\\\[nr]|$)'''",
                "entropy = 2",
                "keywords = [\"zz9-\"]",
                "[[rules]]",
                "id = \"acme-ctx\"",
                "regex = '''(?i)[\\w.-]{0,50}?(?:(?-i:ACME|[Aa]cme))(?:[ \\t\\w.-]{0,20})[\\s'\"]{0,3}(?:=|>|:{1,3}=|\\|\\||:|=>|\\?=|,)[\\x60'\"\\s=]{0,5}([a-z0-9]{32})(?:[\\x60'\"\\s;]|\\\\[nr]|$)'''",
                "keywords = [\"acme\"]",
                "[[rules.allowlists]]",
                "regexTarget = \"line\"",
                "regexes = ['''example\\.test''']",
                ""));
        ScanConfig cfg = ScanConfig.load(dir, Optional.empty());
        assertThat(cfg.warnings()).isEmpty();
        Scanner s = new Scanner(cfg.ruleSet());
        String zed = "zz9-" + fake.chars(FakeSecrets.ALNUM, 24);
        assertThat(s.scan("a.txt", "k = " + zed + "\n")).extracting(Finding::ruleId).contains("zed-key");
        String hex = fake.chars("0123456789abcdef", 32);
        assertThat(s.scan("a.txt", "ACME_KEY=" + hex + "\n")).extracting(Finding::ruleId).contains("acme-ctx");
        assertThat(s.scan("a.txt", "aCME_KEY=" + hex + "\n")).extracting(Finding::ruleId).doesNotContain("acme-ctx");
        assertThat(s.scan("a.txt", "ACME_KEY=" + hex + " # example.test\n")).extracting(Finding::ruleId).doesNotContain("acme-ctx");
    }

    @Test
    void gitleaksRuleThatRe2CannotCompileIsSkippedWithAWarning(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".gitleaks.toml"), "[[rules]]\nid = \"lookahead\"\nregex = '''foo(?=bar)'''\n");
        ScanConfig cfg = ScanConfig.load(dir, Optional.empty());
        assertThat(cfg.warnings()).singleElement().asString().contains("lookahead");
        assertThat(cfg.ruleSet().rule("lookahead")).isEmpty();
    }
}
