package dev.keyhaven.client.dotenv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class DotenvParserTest {

    private static final Map<String, String> ENV = Map.of("HOME_DIR", "/home/app", "EMPTY_VAR", "");

    private static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (DotenvEntry e : DotenvParser.expandingFrom(ENV).parse(text, "test.env")) {
            out.put(e.key(), e.value().reveal());
        }
        return out;
    }

    static Stream<Arguments> table() {
        return Stream.of(
                arguments("plain value", "A=b", Map.of("A", "b")),
                arguments("spaces around = and value trimmed", "  A  =   b c   ", Map.of("A", "b c")),
                arguments("empty value", "A=", Map.of("A", "")),
                arguments("empty value then comment", "A= # nothing here", Map.of("A", "")),
                arguments("export prefix", "export A=1", Map.of("A", "1")),
                arguments("export with tabs", "export\tA=1", Map.of("A", "1")),
                arguments("key named export_x is not a prefix", "exportX=1", Map.of("exportX", "1")),
                arguments("comment lines and blank lines ignored", "# c\n\n   # indented\nA=1\n", Map.of("A", "1")),
                arguments("inline comment after whitespace", "A=value # comment", Map.of("A", "value")),
                arguments("hash without whitespace is part of value", "A=abc#def", Map.of("A", "abc#def")),
                arguments("hash right after = is part of value", "A=#abc", Map.of("A", "#abc")),
                arguments("hash inside double quotes", "A=\"abc # def\"", Map.of("A", "abc # def")),
                arguments("hash inside single quotes", "A='abc # def' # real comment", Map.of("A", "abc # def")),
                arguments("single quotes are literal", "A='a\\nb $HOME_DIR ${HOME_DIR}'", Map.of("A", "a\\nb $HOME_DIR ${HOME_DIR}")),
                arguments("double quotes expand escapes", "A=\"a\\nb\\tc\\\\d\\\"e\"", Map.of("A", "a\nb\tc\\d\"e")),
                arguments("escape n in unquoted stays literal", "A=a\\nb", Map.of("A", "a\\nb")),
                arguments("unknown escape kept", "A=\"a\\qb\"", Map.of("A", "a\\qb")),
                arguments("multiline double quoted", "A=\"line1\nline2\"\nB=2", Map.of("A", "line1\nline2", "B", "2")),
                arguments("multiline single quoted", "A='-----x\nyy\n-----'\nB=2", Map.of("A", "-----x\nyy\n-----", "B", "2")),
                arguments("backticks are literal", "A=`x $B \"y\"`", Map.of("A", "x $B \"y\"")),
                arguments("quotes keep surrounding spaces", "A=\"  padded  \"", Map.of("A", "  padded  ")),
                arguments("braced expansion from earlier key", "A=one\nB=${A}-two", Map.of("A", "one", "B", "one-two")),
                arguments("bare expansion from earlier key", "A=one\nB=$A/two", Map.of("A", "one", "B", "one/two")),
                arguments("expansion inside double quotes", "A=x\nB=\"<$A>\"", Map.of("A", "x", "B", "<x>")),
                arguments("expansion from environment", "A=${HOME_DIR}/data", Map.of("A", "/home/app/data")),
                arguments("environment wins over earlier key", "HOME_DIR=/tmp\nA=$HOME_DIR", Map.of("HOME_DIR", "/tmp", "A", "/home/app")),
                arguments("unknown variable expands to empty", "A=[${NOPE}]", Map.of("A", "[]")),
                arguments("forward reference is not seen", "A=$B\nB=later", Map.of("A", "", "B", "later")),
                arguments("default with :- when unset", "A=${NOPE:-fallback}", Map.of("A", "fallback")),
                arguments("default with :- when empty", "A=${EMPTY_VAR:-fallback}", Map.of("A", "fallback")),
                arguments("default with - only when unset", "A=${EMPTY_VAR-fallback}", Map.of("A", "")),
                arguments("escaped dollar unquoted", "A=\\$HOME_DIR", Map.of("A", "$HOME_DIR")),
                arguments("escaped dollar in double quotes", "A=\"cost \\$5 ${HOME_DIR}\"", Map.of("A", "cost $5 /home/app")),
                arguments("lone dollar kept", "A=5$ and $ alone", Map.of("A", "5$ and $ alone")),
                arguments("CRLF line ends", "A=1\r\nB=\"x\r\ny\"\r\n", Map.of("A", "1", "B", "x\ny")),
                arguments("lone CR line ends", "A=1\rB=2", Map.of("A", "1", "B", "2")),
                arguments("BOM skipped", "\uFEFFA=1", Map.of("A", "1")),
                arguments("later assignment wins", "A=1\nA=2", Map.of("A", "2")),
                arguments("equals sign inside value", "URL=postgres://h/db?sslmode=require&x=1", Map.of("URL", "postgres://h/db?sslmode=require&x=1")),
                arguments("dots and dashes in keys", "spring.datasource.url=jdbc:x\nmy-key=v", Map.of("spring.datasource.url", "jdbc:x", "my-key", "v")),
                arguments("backslash-newline joins lines in double quotes", "A=\"ab\\\ncd\"", Map.of("A", "abcd")),
                arguments("unicode value", "A=pässwörd ✓", Map.of("A", "pässwörd ✓")),
                arguments("no final newline", "A=1", Map.of("A", "1")),
                arguments("comment after closing double quote", "A=\"v\"   # c", Map.of("A", "v")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void parsesTrickyCases(String description, String text, Map<String, String> expected) {
        assertThat(parse(text)).containsExactlyInAnyOrderEntriesOf(expected);
    }

    @Test
    void entriesCarryTheLineWhereTheAssignmentStarts() {
        List<DotenvEntry> entries = DotenvParser.expandingFromFileOnly()
                .parse("# header\nA=1\nB=\"multi\nline\"\nC=3\n", "x");
        assertThat(entries).extracting(DotenvEntry::key, DotenvEntry::line)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("A", 2), org.assertj.core.groups.Tuple.tuple("B", 3),
                        org.assertj.core.groups.Tuple.tuple("C", 5));
    }

    @Test
    void invalidLinesAreAllReportedWithLineNumbersButNeverTheirText() {
        String canary = "cAnArY" + System.nanoTime();
        String text = "GOOD=1\n"
                + canary + "\n"                       // line 2: a value that lost its key
                + "1BAD=" + canary + "\n"               // line 3: key starts with a digit
                + "KEY " + canary + "\n"                // line 4: no '='
                + "Q=\"" + canary + "\" trailing" + canary + "\n" // line 5: junk after the quote
                + "OK=2\n";
        assertThatThrownBy(() -> DotenvParser.expandingFromFileOnly().parse(text, "app.env"))
                .isInstanceOf(DotenvSyntaxException.class)
                .satisfies(e -> {
                    DotenvSyntaxException d = (DotenvSyntaxException) e;
                    assertThat(d.problems()).extracting(DotenvSyntaxException.Problem::line).containsExactly(2, 3, 4, 5);
                    assertThat(d.getMessage()).startsWith("app.env: invalid dotenv syntax").doesNotContain(canary);
                });
    }

    @Test
    void unterminatedQuoteStopsParsingAndSaysWhere() {
        String canary = "sEcReT" + System.nanoTime();
        assertThatThrownBy(() -> DotenvParser.expandingFromFileOnly().parse("A=1\nB=\"" + canary + "\nC=2\n", "f"))
                .isInstanceOf(DotenvSyntaxException.class)
                .hasMessageContaining("line 2: unterminated double-quoted value")
                .hasMessageNotContaining(canary);
        assertThatThrownBy(() -> DotenvParser.expandingFromFileOnly().parse("A='" + canary, "f"))
                .hasMessageContaining("line 1: unterminated single-quoted value");
    }

    @Test
    void unterminatedBraceExpansionIsReported() {
        assertThatThrownBy(() -> DotenvParser.expandingFromFileOnly().parse("A=${OOPS\n", "f"))
                .hasMessageContaining("line 1: unterminated ${...} expansion");
    }

    @Test
    void literalParserLeavesDollarsAlone() {
        List<DotenvEntry> e = DotenvParser.literal().parse("A=$X ${Y}\n", "f");
        assertThat(e.get(0).value().reveal()).isEqualTo("$X ${Y}");
    }

    @Test
    void earlierFilesFeedExpansion() {
        List<DotenvEntry> e = DotenvParser.expandingFromFileOnly().parse("B=${A}!", "f", Map.of("A", "from-base"));
        assertThat(e.get(0).value().reveal()).isEqualTo("from-base!");
    }

    @Test
    void entryToStringNeverShowsTheValue() {
        String canary = "vAlUe" + System.nanoTime();
        DotenvEntry e = DotenvParser.literal().parse("K=" + canary, "f").get(0);
        assertThat(e.toString()).doesNotContain(canary).contains("K");
    }
}
