package dev.keyhaven.core.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.constraints.CharRange;
import org.junit.jupiter.api.Test;

class ClaimsTest {
    @Test
    void jsonPointerWalksObjectsAndArraysWithEscapes() {
        Map<String, Object> c = Map.of("a/b", "slash", "x", Map.of("y", List.of("zero", Map.of("~k", "tilde"))));
        assertThat(Claims.get(c, "/a~1b")).isEqualTo("slash");
        assertThat(Claims.get(c, "/x/y/0")).isEqualTo("zero");
        assertThat(Claims.get(c, "/x/y/1/~0k")).isEqualTo("tilde");
        assertThat(Claims.get(c, "/x/y/2")).isNull();
        assertThat(Claims.get(c, "/x/nope")).isNull();
        assertThat(Claims.get(c, "x")).isInstanceOf(Map.class);
    }

    @Test
    void matchingIsTypedAnyOfAndListAware() {
        assertThat(Claims.matchAny(List.of("a", "b"), "b", false)).isTrue();
        assertThat(Claims.matchAny(List.of("a"), List.of("z", "a"), false)).isTrue();
        assertThat(Claims.matchAny(List.of("true"), true, false)).as("a string never equals a boolean").isFalse();
        assertThat(Claims.matchAny(List.of(new BigDecimal("42")), 42L, false)).isTrue();
        assertThat(Claims.matchAny(List.of("4*"), 42L, true)).as("only strings glob").isFalse();
        assertThat(Claims.matchAny(List.of("repo:acme/*"), "repo:acme/app:ref:refs/heads/main", true)).isTrue();
    }

    @Property(tries = 300)
    void globAgreesWithAnEquivalentRegex(@ForAll @StringLength(max = 8) @CharRange(from = 'a', to = 'c') String text,
                                         @ForAll @StringLength(max = 5) @CharRange(from = 'a', to = 'c') String a,
                                         @ForAll @StringLength(max = 3) @CharRange(from = 'a', to = 'c') String b) {
        for (String pattern : List.of(a + "*" + b, "*" + a, a + "*", a + "*" + b + "*" + a, a)) {
            StringBuilder re = new StringBuilder();
            for (String part : pattern.split("\\*", -1)) {
                if (re.length() > 0 || pattern.startsWith("*")) re.append(".*");
                re.append(Pattern.quote(part));
            }
            String regex = pattern.startsWith("*") ? re.toString() : re.toString();
            boolean expected = Pattern.compile(regex, Pattern.DOTALL).matcher(text).matches();
            assertThat(Claims.glob(pattern, text)).as(pattern + " vs " + text).isEqualTo(expected);
        }
    }
}
