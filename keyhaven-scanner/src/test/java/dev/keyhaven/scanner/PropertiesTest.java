package dev.keyhaven.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.scanner.rules.AhoCorasick;
import dev.keyhaven.scanner.rules.RuleSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

class PropertiesTest {
    private static final Scanner SCANNER = new Scanner(RuleSet.builtin());

    @Property(tries = 300)
    void ahoCorasickReportsExactlyTheOccurrencesNaiveSearchFinds(
            @ForAll @Size(min = 1, max = 8) List<@StringLength(min = 1, max = 4) @CharRange(from = 'a', to = 'd') String> keywords,
            @ForAll @StringLength(max = 200) @CharRange(from = 'A', to = 'e') String text) {
        List<String> kws = keywords.stream().distinct().toList();
        AhoCorasick ac = new AhoCorasick(kws);
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        Set<String> got = new HashSet<>();
        ac.scan(bytes, 0, bytes.length, (kw, end) -> got.add(kws.get(kw) + "@" + end));
        Set<String> expected = new HashSet<>();
        String lower = text.toLowerCase(Locale.ROOT);
        for (String k : kws) {
            for (int i = lower.indexOf(k); i >= 0; i = lower.indexOf(k, i + 1)) {
                expected.add(k + "@" + (i + k.length()));
            }
        }
        assertThat(got).isEqualTo(expected);
    }

    @Property(tries = 200)
    void scannerNeverFailsOnArbitraryBytes(@ForAll @Size(max = 4096) List<Byte> data) {
        byte[] b = new byte[data.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = data.get(i);
        }
        assertThat(SCANNER.scan("random.bin", b)).isNotNull();
    }

    @Property(tries = 200)
    void redactionNeverShowsMoreThanPrefixAndLastFour(@ForAll @StringLength(min = 1, max = 200) String secret) {
        String r = Redactor.redact(secret);
        List<String> visible = new ArrayList<>(List.of(r.split("…", -1)));
        int shown = visible.stream().mapToInt(String::length).sum() - (int) r.chars().filter(c -> c == '*').count();
        assertThat(shown).isLessThanOrEqualTo(Math.min(8, secret.length() / 3) + 4);
        String middle = secret.length() < 12 ? "" : secret.substring(Math.min(8, secret.length() / 3), secret.length() - 4);
        if (middle.length() > 8) { // long enough that it cannot coincide with the shown prefix or suffix
            assertThat(r).doesNotContain(middle);
        }
    }
}
