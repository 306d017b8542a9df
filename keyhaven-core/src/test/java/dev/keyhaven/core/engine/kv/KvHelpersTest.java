package dev.keyhaven.core.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.util.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class KvHelpersTest {

    @Test
    void vaultTimeTrimsTrailingZerosOfTheFraction() {
        assertThat(VaultTime.format(Instant.parse("2018-03-22T02:24:06.945319214Z"))).isEqualTo("2018-03-22T02:24:06.945319214Z");
        assertThat(VaultTime.format(Instant.parse("2021-09-10T15:26:08.684999Z"))).isEqualTo("2021-09-10T15:26:08.684999Z");
        assertThat(VaultTime.format(Instant.parse("2021-09-10T15:26:08.100Z"))).isEqualTo("2021-09-10T15:26:08.1Z");
        assertThat(VaultTime.format(Instant.parse("2021-09-10T15:26:08Z"))).isEqualTo("2021-09-10T15:26:08Z");
        assertThat(VaultTime.format(Instant.parse("0999-01-02T03:04:05.000000001Z"))).isEqualTo("0999-01-02T03:04:05.000000001Z");
    }

    @Property(tries = 200)
    void vaultTimeParsesBackToTheSameInstant(@ForAll @LongRange(min = 0, max = 253_402_300_799L) long seconds,
                                             @ForAll @LongRange(min = 0, max = 999_999_999) long nanos) {
        Instant i = Instant.ofEpochSecond(seconds, nanos);
        assertThat(Instant.parse(VaultTime.format(i))).isEqualTo(i);
    }

    @Test
    void goDurationFormatsLikeGo() {
        assertThat(GoDuration.format(0)).isEqualTo("0s");
        assertThat(GoDuration.format(45)).isEqualTo("45s");
        assertThat(GoDuration.format(60)).isEqualTo("1m0s");
        assertThat(GoDuration.format(3600)).isEqualTo("1h0m0s");
        assertThat(GoDuration.format(12319)).isEqualTo("3h25m19s");
        assertThat(GoDuration.format(-1)).isEqualTo("-1s");
        assertThat(GoDuration.format(90061)).isEqualTo("25h1m1s");
    }

    @Test
    void goDurationParsesSecondsAndGoStrings() {
        assertThat(GoDuration.parseSeconds("3h25m19s")).contains(12319L);
        assertThat(GoDuration.parseSeconds("1.5h")).contains(5400L);
        assertThat(GoDuration.parseSeconds("90m")).contains(5400L);
        assertThat(GoDuration.parseSeconds("1500ms")).contains(1L);
        assertThat(GoDuration.parseSeconds("2d")).contains(172800L);
        assertThat(GoDuration.parseSeconds("-1s")).contains(-1L);
        assertThat(GoDuration.parseSeconds("0")).contains(0L);
        assertThat(GoDuration.parseSeconds("")).contains(0L);
        assertThat(GoDuration.parseSeconds("3600")).contains(3600L);
        assertThat(GoDuration.parseSeconds(3600)).contains(3600L);
        assertThat(GoDuration.parseSeconds(new BigDecimal("90.9"))).contains(90L);
        for (Object bad : new Object[] {"soon", "5x", "h", "1..5s", "1h-5m", "99999999999h", true, Map.of()}) {
            assertThat(GoDuration.parseSeconds(bad)).as(String.valueOf(bad)).isEmpty();
        }
    }

    @Property(tries = 200)
    void goDurationFormatParsesBack(@ForAll @LongRange(min = -1_000_000_000L, max = 1_000_000_000L) long seconds) {
        assertThat(GoDuration.parseSeconds(GoDuration.format(seconds))).contains(seconds);
    }

    @Test
    void mergePatchFollowsRfc7386Examples() {
        // The test cases of RFC 7386 appendix A that apply to object roots.
        assertThat(merge("{\"a\":\"b\"}", "{\"a\":\"c\"}")).isEqualTo(parse("{\"a\":\"c\"}"));
        assertThat(merge("{\"a\":\"b\"}", "{\"b\":\"c\"}")).isEqualTo(parse("{\"a\":\"b\",\"b\":\"c\"}"));
        assertThat(merge("{\"a\":\"b\"}", "{\"a\":null}")).isEqualTo(parse("{}"));
        assertThat(merge("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}")).isEqualTo(parse("{\"b\":\"c\"}"));
        assertThat(merge("{\"a\":[\"b\"]}", "{\"a\":\"c\"}")).isEqualTo(parse("{\"a\":\"c\"}"));
        assertThat(merge("{\"a\":\"c\"}", "{\"a\":[\"b\"]}")).isEqualTo(parse("{\"a\":[\"b\"]}"));
        assertThat(merge("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}")).isEqualTo(parse("{\"a\":{\"b\":\"d\"}}"));
        assertThat(merge("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}")).isEqualTo(parse("{\"a\":[1]}"));
        assertThat(merge("{\"e\":null}", "{\"a\":1}")).isEqualTo(parse("{\"e\":null,\"a\":1}"));
        assertThat(merge("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}")).isEqualTo(parse("{\"a\":{\"bb\":{}}}"));
    }

    @Test
    void mergePatchDoesNotModifyItsInputs() {
        Map<String, Object> target = parse("{\"a\":{\"b\":\"c\"}}");
        Map<String, Object> patch = parse("{\"a\":{\"b\":null}}");
        MergePatch.apply(target, patch);
        assertThat(target).isEqualTo(parse("{\"a\":{\"b\":\"c\"}}"));
        assertThat(patch).isEqualTo(parse("{\"a\":{\"b\":null}}"));
    }

    @Test
    void factoryPicksTheEngineByVersionOption() {
        AtomicInteger v1Created = new AtomicInteger();
        Engine v1 = request -> Response.empty();
        KvEngineFactory factory = new KvEngineFactory(ctx -> {
            v1Created.incrementAndGet();
            return v1;
        });
        assertThat(factory.type()).isEqualTo("kv");
        assertThat(factory.create(context(Map.of("version", "2")))).isInstanceOf(KvV2Engine.class);
        assertThat(factory.create(context(Map.of()))).isSameAs(v1);
        assertThat(factory.create(context(Map.of("version", "1")))).isSameAs(v1);
        assertThat(factory.create(context(Map.of("version", "")))).isSameAs(v1);
        assertThat(v1Created).hasValue(3);
        assertThatThrownBy(() -> factory.create(context(Map.of("version", "3")))).isInstanceOf(KeyhavenException.class)
                .hasMessageContaining("version");
        assertThat(KvEngineFactory.isVersioned(Map.of("version", "2"))).isTrue();
        assertThat(KvEngineFactory.isVersioned(Map.of())).isFalse();
    }

    @Test
    void storedMetadataRoundTripsThroughJson() {
        SecretMetadata m = SecretMetadata.fresh("abc", Instant.parse("2020-01-01T00:00:00.5Z"));
        SecretMetadata.Added a = m.addVersion(VersionMetadata.created(Instant.parse("2020-01-01T00:00:01Z"), null, "versions/x/abc/1-n"), 0);
        SecretMetadata back = Json.read(Json.write(a.metadata()), SecretMetadata.class);
        assertThat(back).isEqualTo(a.metadata());
        assertThat(back.versions().get(1L).dataKey()).isEqualTo("versions/x/abc/1-n");
        assertThat(new String(Json.write(back), StandardCharsets.UTF_8)).doesNotContain("createdTimeVault", "deletedAt");
    }

    private static EngineContext context(Map<String, String> options) {
        return new EngineContext("secret/", "kv_1", "kv", options, new MemoryStorage(), Clock.systemUTC());
    }

    private static Map<String, Object> merge(String target, String patch) {
        return MergePatch.apply(parse(target), parse(patch));
    }

    private static Map<String, Object> parse(String s) {
        return Json.parseObject(s.getBytes(StandardCharsets.UTF_8));
    }

}
