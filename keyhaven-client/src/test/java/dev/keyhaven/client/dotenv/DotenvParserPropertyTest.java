package dev.keyhaven.client.dotenv;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DotenvParserPropertyTest {

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.strings().withChars("abcXYZ019 \t\n\"'\\$#={}`é✓").ofMaxLength(40);
    }

    /** Any value written double-quoted with escapes for \ " $ and newline reads back unchanged. */
    @Property(tries = 300)
    void doubleQuotedValuesRoundTrip(@ForAll("values") String value) {
        String escaped = value.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$")
                .replace("\n", "\\n").replace("\t", "\\t");
        List<DotenvEntry> e = DotenvParser.expandingFromFileOnly().parse("K=\"" + escaped + "\"\nNEXT=1\n", "p");
        assertThat(e).hasSize(2);
        assertThat(e.get(0).value().reveal()).isEqualTo(value);
    }

    /** Any value without a single quote written single-quoted reads back unchanged, newlines included. */
    @Property(tries = 300)
    void singleQuotedValuesRoundTrip(@ForAll("values") String value) {
        String v = value.replace("'", "");
        List<DotenvEntry> e = DotenvParser.expandingFromFileOnly().parse("export K='" + v + "' # c\r\nNEXT=1", "p");
        assertThat(e.get(0).value().reveal()).isEqualTo(v);
        assertThat(e.get(1).key()).isEqualTo("NEXT");
    }

    /** Arbitrary input either parses or fails with a DotenvSyntaxException that does not quote the input. */
    @Property(tries = 500)
    void arbitraryInputNeverCrashesAndNeverLeaksIntoErrors(
            @ForAll("values") String a, @ForAll("values") String b) {
        String marker = "Zq9" + Math.abs((a + b).hashCode());
        String text = a + marker + "\n" + b;
        try {
            DotenvParser.expandingFromFileOnly().parse(text, "fuzz");
        } catch (DotenvSyntaxException e) {
            assertThat(e.getMessage()).doesNotContain(marker);
            assertThat(e.problems()).allSatisfy(p -> assertThat(p.line()).isPositive());
        }
    }
}
