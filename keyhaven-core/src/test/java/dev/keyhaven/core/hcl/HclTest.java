package dev.keyhaven.core.hcl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class HclTest {
    @Test
    void parsesAVaultServerConfig() {
        HclBody b = Hcl.parse("""
                # Vault-style server config
                storage "sqlite" {
                  path = "/var/lib/keyhaven/k.db"
                }

                listener "tcp" {
                  address     = "0.0.0.0:8200"
                  tls_disable = true
                  max_request_size = 1048576
                }
                api_addr = "https://keyhaven.example.com:8200" // trailing comment
                ui = false
                """);
        assertThat(b.attribute("api_addr").orElseThrow().value()).isEqualTo("https://keyhaven.example.com:8200");
        assertThat(b.attribute("ui").orElseThrow().value()).isEqualTo(false);
        Hcl.Block listener = b.blocks("listener").get(0);
        assertThat(listener.labels()).containsExactly("tcp");
        assertThat(listener.line()).isEqualTo(6);
        assertThat(listener.body().attribute("tls_disable").orElseThrow().value()).isEqualTo(true);
        assertThat(listener.body().attribute("max_request_size").orElseThrow().value()).isEqualTo(1048576L);
        assertThat(listener.body().attribute("address").orElseThrow().line()).isEqualTo(7);
    }

    @Test
    void parsesAPolicyWithListsAndHcl1Equals() {
        HclBody b = Hcl.parse("""
                path "secret/data/*" {
                  capabilities = ["create", "read",
                                  "update",]
                }
                path "sys/*" = {
                  capabilities = ["deny"]
                }
                """);
        Map<String, Object> m = b.toMap();
        assertThat(m).containsKey("path");
        @SuppressWarnings("unchecked") Map<String, Object> paths = (Map<String, Object>) m.get("path");
        assertThat(paths).containsOnlyKeys("secret/data/*", "sys/*");
        assertThat(((Map<?, ?>) paths.get("secret/data/*")).get("capabilities")).isEqualTo(List.of("create", "read", "update"));
    }

    @Test
    void valuesOfEveryKind() {
        HclBody b = Hcl.parse("s = \"a\\\"b\\n\\u00e9\"\ni = -42\nbig = 123456789012345678901234567890\nf = 1.5e3\nt = true\nn = null\nl = [1, \"x\", [true]]\no = { a = 1, b: \"2\" }\n");
        assertThat(b.attribute("s").orElseThrow().value()).isEqualTo("a\"b\né");
        assertThat(b.attribute("i").orElseThrow().value()).isEqualTo(-42L);
        assertThat(b.attribute("big").orElseThrow().value()).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(b.attribute("f").orElseThrow().value()).isEqualTo(new BigDecimal("1.5e3"));
        assertThat(b.attribute("n").orElseThrow().value()).isNull();
        assertThat(Hcl.plain(b.attribute("l").orElseThrow().value())).isEqualTo(List.of(1L, "x", List.of(true)));
        assertThat(Hcl.plain(b.attribute("o").orElseThrow().value())).isEqualTo(Map.of("a", 1L, "b", "2"));
    }

    @Test
    void heredocsKeepTextAndIndentedOnesAreTrimmed() {
        HclBody b = Hcl.parse("a = <<EOF\nline1\n  line2\nEOF\nb = <<-EOT\n    x\n      y\n    EOT\n");
        assertThat(b.attribute("a").orElseThrow().value()).isEqualTo("line1\n  line2\n");
        assertThat(b.attribute("b").orElseThrow().value()).isEqualTo("x\n  y\n");
    }

    @Test
    void commentsOfAllThreeKinds() {
        HclBody b = Hcl.parse("/* block\ncomment */ a = 1 # hash\n// slashes\nb = 2");
        assertThat(b.attributes()).hasSize(2);
        assertThat(b.attribute("b").orElseThrow().line()).isEqualTo(4);
    }

    @Test
    void errorsCarryTheLine() {
        assertError("a = \"unterminated\n", 1, "unterminated string");
        assertError("a = 1\nb = bare\n", 2, "strings must be quoted");
        assertError("block {\n a = 1\n", 3, "unclosed '{' opened at line 1");
        assertError("a = [1, 2\n", 2, "unclosed '['");
        assertError("a = 1 2\n", 1, "expected a newline");
        assertError("}\n", 1, "unexpected '}'");
        assertError("a = \"\\q\"", 1, "invalid escape");
        assertError("x = <<EOF\nnever closed\n", 1, "never closed");
        assertError("/* open", 1, "unterminated comment");
        assertError("a = 1.2.3", 1, "invalid number");
        assertError("a = -", 1, "invalid number");
    }

    private static void assertError(String src, int line, String fragment) {
        assertThatThrownBy(() -> Hcl.parse(src)).isInstanceOf(HclException.class).hasMessageContaining(fragment)
                .satisfies(e -> assertThat(((HclException) e).line()).as(src).isEqualTo(line));
    }

    @Test
    void deepNestingIsRejectedNotAStackOverflow() {
        assertThatThrownBy(() -> Hcl.parse("a = " + "[".repeat(10_000))).isInstanceOf(HclException.class).hasMessageContaining("nesting");
        assertThatThrownBy(() -> Hcl.parse("a = " + "{ b = ".repeat(10_000))).isInstanceOf(HclException.class).hasMessageContaining("nesting");
        assertThatThrownBy(() -> Hcl.parse("b { ".repeat(10_000))).isInstanceOf(HclException.class).hasMessageContaining("nesting");
    }

    @Test
    void unpairedSurrogateEscapesAreRejected() {
        assertThatThrownBy(() -> Hcl.parse("a = \"\\uD800\"")).isInstanceOf(HclException.class);
    }

    @Provide
    Arbitrary<String> hclish() {
        Arbitrary<String> tokens = Arbitraries.of("a", "b", "=", "\"", "\"x\"", "{", "}", "[", "]", ",", ":", "\n", " ", "#", "//", "/*", "*/",
                "<<EOF\n", "<<-EOF\n", "EOF", "1", "-", "1.5", "e", "true", "null", "\\", "\\u", "$", "\t", "\r", "\uFEFF", "é", "\u0000");
        return tokens.list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Property(tries = 2000)
    void arbitraryInputEitherParsesOrFailsWithHclException(@ForAll("hclish") String src) {
        try {
            HclBody b = Hcl.parse(src);
            b.toMap();
        } catch (HclException e) {
            assertThat(e.line()).isGreaterThanOrEqualTo(1);
        }
    }

    @Property(tries = 500)
    void arbitraryCharactersNeverCrashTheParser(@ForAll String src) {
        try {
            Hcl.parse(src).toMap();
        } catch (HclException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
    }
}
