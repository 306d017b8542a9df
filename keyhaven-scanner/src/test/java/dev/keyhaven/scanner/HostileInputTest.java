package dev.keyhaven.scanner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.keyhaven.scanner.rules.RuleSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile input finishes: RE2/J is linear time and regexes only see windows around keyword hits. The timeouts are
 * generous safety nets against a hang (backtracking would take hours), not performance assertions.
 */
class HostileInputTest {
    private final Scanner scanner = new Scanner(RuleSet.builtin());
    private static final Duration HANG = Duration.ofSeconds(120);

    @Test
    void tenMegabyteSingleLineWithKeywordsEverywhereFinishes() {
        StringBuilder sb = new StringBuilder(10 << 20);
        while (sb.length() < 10 << 20) {
            sb.append("password=token:secret_api_key-ghp_xoxb-AKIA");
        }
        String s = sb.toString();
        List<Finding> f = assertTimeoutPreemptively(HANG, () -> scanner.scan("one-line.txt", s));
        assertThat(f).isNotNull();
    }

    @Test
    void oneMegabyteOfAssignmentRepeatsFinishes() {
        String s = "a=".repeat(512 * 1024) + "\n" + "password=".repeat(100_000);
        assertTimeoutPreemptively(HANG, () -> scanner.scan("repeats.env", s));
    }

    @Test
    void deeplyNestedJsonFinishesAndStillFindsTheSecretInside() {
        FakeSecrets fake = new FakeSecrets(9);
        String token = fake.github("ghp");
        String json = "{\"a\":[".repeat(200_000) + "{\"token\":\"" + token + "\"}" + "]}".repeat(200_000);
        List<Finding> f = assertTimeoutPreemptively(HANG, () -> scanner.scan("deep.json", json));
        assertThat(f).extracting(Finding::secret).contains(token);
    }

    @Test
    void longRunsOfTokenCharactersAfterAPrefixFinish() {
        String s = "ghp_" + "A".repeat(5 << 20) + "\nsk-ant-api03-" + "b".repeat(2 << 20) + "\n-----BEGIN PRIVATE KEY-----\n"
                + "QUJD".repeat(1 << 18);
        assertTimeoutPreemptively(HANG, () -> scanner.scan("runs.txt", s));
    }
}
