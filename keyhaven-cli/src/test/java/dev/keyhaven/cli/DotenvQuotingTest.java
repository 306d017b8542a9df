package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.client.dotenv.DotenvEntry;
import dev.keyhaven.client.dotenv.DotenvParser;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;

/** {@code env export --format dotenv} writes values that the SDK's {@link DotenvParser} reads back unchanged. */
class DotenvQuotingTest {
    private static final DotenvParser PARSER = DotenvParser.expandingFrom(Map.of("HOME", "/expanded", "X", "boom"));

    @Property(tries = 500)
    void anyValueRoundTripsThroughTheSdkParser(
            @ForAll @StringLength(max = 40) @Chars({'"', '\'', '`', '$', '{', '}', '\\', '#', ' ', '\t', '\n', '\r', '=', 'n', 'X', 'H', 'O', 'M', 'E', '-', ':'})
            @CharRange(from = 'a', to = 'f') @CharRange(from = '\u00e0', to = '\u00e9') String value) {
        String text = EnvCommand.dotenvLine("KEY", value) + "\n" + EnvCommand.dotenvLine("NEXT", "after") + "\n";
        List<DotenvEntry> entries = PARSER.parse(text, "export");
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0).value().reveal()).isEqualTo(value);
        assertThat(entries.get(1).value().reveal()).isEqualTo("after");
    }

    @Property(tries = 200)
    void arbitraryUnicodeValuesRoundTrip(@ForAll @StringLength(max = 30) String value) {
        List<DotenvEntry> entries = PARSER.parse(EnvCommand.dotenvLine("K", value) + "\n", "export");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).value().reveal()).isEqualTo(value);
    }
}
