package dev.keyhaven.client.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class MiniJsonPropertiesTest {
    @Property(tries = 300)
    void writeThenParseIsIdentity(@ForAll("documents") Map<String, Object> doc) {
        assertThat(MiniJson.parseObject(MiniJson.write(doc))).isEqualTo(doc);
    }

    @Property(tries = 1000)
    void arbitraryInputEitherParsesOrFailsWithIllegalArgument(@ForAll @StringLength(max = 60) String s) {
        Throwable t = catchThrowable(() -> MiniJson.parse(s));
        assertThat(t).satisfiesAnyOf(x -> assertThat(x).isNull(), x -> assertThat(x).isInstanceOf(IllegalArgumentException.class));
    }

    @Property(tries = 500)
    void mutatedJsonNeverThrowsAnythingButIllegalArgument(@ForAll("documents") Map<String, Object> doc, @ForAll int pos, @ForAll char c) {
        String s = MiniJson.write(doc);
        int i = Math.floorMod(pos, s.length());
        String mutated = s.substring(0, i) + c + s.substring(i + 1);
        Throwable t = catchThrowable(() -> MiniJson.parse(mutated));
        assertThat(t).satisfiesAnyOf(x -> assertThat(x).isNull(), x -> assertThat(x).isInstanceOf(IllegalArgumentException.class));
    }

    @Test
    void rejectsDuplicateKeysTrailingDataAndDeepNesting() {
        assertThat(catchThrowable(() -> MiniJson.parse("{\"a\":1,\"a\":2}"))).hasMessageContaining("duplicate key");
        assertThat(catchThrowable(() -> MiniJson.parse("{} x"))).hasMessageContaining("trailing");
        assertThat(catchThrowable(() -> MiniJson.parse("[".repeat(100) + "]".repeat(100)))).hasMessageContaining("too deep");
        assertThat(MiniJson.parse("\"\\u00e9\\n\"")).isEqualTo("é\n");
    }

    @Provide
    Arbitrary<Map<String, Object>> documents() {
        Arbitrary<Object> leaf = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.of(true, false).map(b -> (Object) b));
        Arbitrary<Object> list = leaf.list().ofMaxSize(4).map(l -> (Object) List.copyOf(l));
        return Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), Arbitraries.oneOf(leaf, list)).ofMaxSize(6)
                .map(m -> new LinkedHashMap<>(m));
    }
}
