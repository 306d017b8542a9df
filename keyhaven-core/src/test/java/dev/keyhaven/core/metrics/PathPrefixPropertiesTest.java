package dev.keyhaven.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;

class PathPrefixPropertiesTest {
    @Property
    void prefixIsAtMostTwoFoldersAndNeverTheLeaf(@ForAll @Size(min = 1, max = 6) List<@AlphaChars @StringLength(min = 1, max = 8) String> segments) {
        String path = String.join("/", segments);
        String prefix = PathPrefix.folders(path);
        if (segments.size() == 1) {
            assertThat(prefix).isEqualTo(PathPrefix.ROOT);
        } else {
            assertThat(prefix).endsWith("/").isEqualTo(String.join("/", segments.subList(0, Math.min(2, segments.size() - 1))) + "/");
            assertThat(prefix.split("/")).hasSizeLessThanOrEqualTo(2);
        }
        assertThat(PathPrefix.of("kv", "data/" + path)).isEqualTo(prefix);
    }

    @Property(tries = 50)
    void anyPathPrefixSurvivesTheTextFormat(@ForAll @StringLength(min = 1, max = 20) String folder) {
        Telemetry t = new Telemetry(Clock.systemUTC());
        Request r = Request.builder(Operation.READ, "secret/data/" + folder + "/leaf").build();
        r.setMount("secret/", "kv", "kv_1", "data/" + folder + "/leaf");
        t.onRequest(r, 200, 1000);
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(new String(t.prometheusText(), StandardCharsets.UTF_8));
        String expected = PathPrefix.of("kv", "data/" + folder + "/leaf");
        assertThat(f.get("keyhaven_secret_reads_total").samples()).singleElement()
                .satisfies(s -> assertThat(s.labels().get("path_prefix")).isEqualTo(LabelLimiter.clean(expected)));
    }
}
