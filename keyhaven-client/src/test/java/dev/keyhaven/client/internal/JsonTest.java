package dev.keyhaven.client.internal;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {

    @Test
    void parsesVaultEnvelope() {
        Map<String, Object> m = Json.parseObject("{\"request_id\":\"r\",\"lease_duration\":0,\"renewable\":false,"
                + "\"data\":{\"data\":{\"k\":\"v\\n\\u00e9\",\"n\":1.5,\"b\":true,\"o\":{\"x\":[1,2]}},\"metadata\":{\"version\":3}},"
                + "\"wrap_info\":null,\"warnings\":null,\"auth\":null}");
        Map<String, Object> data = Json.object(Json.object(m, "data"), "data");
        assertThat(data.get("k")).isEqualTo("v\né");
        assertThat(data.get("n")).isEqualTo(new BigDecimal("1.5"));
        assertThat(data.get("b")).isEqualTo(true);
        assertThat(Json.object(data, "o").get("x")).isEqualTo(List.of(1L, 2L));
        assertThat(Json.number(Json.object(Json.object(m, "data"), "metadata"), "version", 0)).isEqualTo(3);
        assertThat(m).containsEntry("auth", null);
    }

    @Test
    void writesAndReadsBack() {
        String s = Json.write(Map.of("a", "q\"\\\n\u0001", "b", List.of(1L, true)));
        assertThat(Json.parseObject(s)).isEqualTo(Map.of("a", "q\"\\\n\u0001", "b", List.of(1L, true)));
    }

    @Test
    void rejectsMalformedInputWithoutQuotingIt() {
        for (String bad : new String[] {"{\"a\":1,\"a\":2}", "{} x", "{\"a\":01}", "{\"a\":\"unterminated", "[1,]", "{\"a\":tru}"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(Json.JsonException.class)
                    .hasMessageContaining("offset");
        }
        assertThatThrownBy(() -> Json.parse("[".repeat(100) + "]".repeat(100))).hasMessageContaining("nested too deeply");
    }
}
