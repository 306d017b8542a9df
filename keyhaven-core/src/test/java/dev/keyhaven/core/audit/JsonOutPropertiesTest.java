package dev.keyhaven.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.util.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The audit entry writer must produce exactly what Jackson produces (entries are parsed by Vault log pipelines and by
 * our verifier), and the inline HMAC writer exactly what serializing a hashed deep copy ({@link #hashStructure}, the
 * way entries were built before the writer) produces.
 */
class JsonOutPropertiesTest {
    private static final AuditHasher HASHER = new AuditHasher("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));

    @Property(tries = 400)
    void valuesAreWrittenExactlyAsJacksonWritesThem(@ForAll("values") Object value) {
        JsonOut out = new JsonOut(8);
        out.value(value);
        assertThat(new String(out.toBytes(), StandardCharsets.UTF_8)).isEqualTo(new String(Json.write(value), StandardCharsets.UTF_8));
    }

    @Property(tries = 400)
    void hashedValuesEqualTheSerializedHashStructure(@ForAll("values") Object value) {
        JsonOut out = new JsonOut(8);
        HASHER.writeHashed(out, value);
        assertThat(new String(out.toBytes(), StandardCharsets.UTF_8))
                .isEqualTo(new String(Json.write(hashStructure(value)), StandardCharsets.UTF_8));
    }

    /**
     * The reference: a deep copy of {@code value} in which every string (map values and list elements at any depth,
     * never map keys) is replaced by its HMAC; numbers, booleans and null kept, anything else hashed as its string.
     */
    private static Object hashStructure(Object value) {
        if (value instanceof String s) return HASHER.hash(s);
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), hashStructure(e.getValue()));
            return out;
        }
        if (value instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) out.add(hashStructure(o));
            return out;
        }
        if (value instanceof Object[] arr) {
            List<Object> out = new ArrayList<>();
            for (Object o : arr) out.add(hashStructure(o));
            return out;
        }
        if (value instanceof byte[] bytes) return HASHER.hash(new String(bytes, StandardCharsets.UTF_8));
        if (value == null || value instanceof Number || value instanceof Boolean) return value;
        return HASHER.hash(value.toString());
    }

    @Test
    void escapesLikeJacksonIncludingSurrogates() {
        String nasty = "q\"b\\s/\b\t\n\f\r\u0000\u001f\u007f é € \uD83D\uDE00 end";
        JsonOut out = new JsonOut(4);
        out.string(nasty);
        assertThat(out.toBytes()).isEqualTo(Json.write(nasty));
        JsonOut lone = new JsonOut(4);
        lone.string("a\uD800b");
        assertThat(new String(lone.toBytes(), StandardCharsets.US_ASCII)).isEqualTo("\"a\\uD800b\"");
        assertThat(lone.toBytes()).isEqualTo(Json.write("a\uD800b"));
        assertThat(Json.read(lone.toBytes(), String.class)).isEqualTo("a\uD800b");
    }

    @Test
    void timeHasNineFractionDigitsLikeTheFormatter() {
        for (java.time.Instant t : List.of(java.time.Instant.parse("2026-01-02T03:04:05Z"), java.time.Instant.parse("2026-01-02T03:04:05.000000007Z"),
                java.time.Instant.parse("1999-12-31T23:59:59.999999999Z"), java.time.Instant.now())) {
            assertThat(EntryFormatter.time(t)).isEqualTo(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
                    .withZone(java.time.ZoneOffset.UTC).format(t));
        }
    }

    @Provide
    Arbitrary<Object> values() {
        return Arbitraries.recursive(JsonOutPropertiesTest::leaf, JsonOutPropertiesTest::container, 0, 4);
    }

    private static Arbitrary<Object> leaf() {
        Arbitrary<String> anyString = Arbitraries.strings().all().ofMaxLength(24);
        Arbitrary<String> texty = Arbitraries.strings().withCharRange(' ', '~').withChars('é', '€', '\n', '"', '\\', '\u0001')
                .ofMaxLength(24);
        return Arbitraries.oneOf(
                anyString.map(s -> (Object) s),
                texty.map(s -> (Object) s),
                Arbitraries.integers().map(i -> (Object) i),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.floats().map(f -> (Object) f),
                Arbitraries.bigDecimals().map(b -> (Object) b),
                Arbitraries.bigIntegers().map(b -> (Object) b),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(null),
                Arbitraries.just((Object) new BigDecimal("1E+3")),
                Arbitraries.just((Object) BigInteger.TEN.pow(30)),
                Arbitraries.just((Object) java.util.UUID.fromString("00000000-0000-4000-8000-000000000001")),
                Arbitraries.integers().map(i -> (Object) new java.util.concurrent.atomic.AtomicInteger(i)));
    }

    private static Arbitrary<Object> container(Arbitrary<Object> inner) {
        Arbitrary<Object> list = inner.list().ofMaxSize(4).map(l -> (Object) new ArrayList<>(l));
        Arbitrary<Object> array = inner.list().ofMaxSize(3).map(l -> (Object) l.toArray());
        Arbitrary<Object> map = Combinators.combine(Arbitraries.strings().all().ofMaxLength(8).list().ofMaxSize(4),
                inner.list().ofSize(4)).as((keys, vals) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < keys.size(); i++) m.put(keys.get(i), vals.get(i));
                    return (Object) m;
                });
        return Arbitraries.oneOf(list, array, map);
    }
}
