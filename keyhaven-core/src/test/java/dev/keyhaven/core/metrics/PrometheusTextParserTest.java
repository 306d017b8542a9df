package dev.keyhaven.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test-side parser is strict: it accepts the specification's example and refuses what Prometheus refuses. */
class PrometheusTextParserTest {
    @Test
    void parsesTheSpecificationExample() {
        String text = """
                # HELP http_requests_total The total number of HTTP requests.
                # TYPE http_requests_total counter
                http_requests_total{method="post",code="200"} 1027 1395066363000
                http_requests_total{method="post",code="400"}    3 1395066363000

                # Escaping in label values:
                msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

                # Minimalistic line:
                metric_without_timestamp_and_labels 12.47

                # A weird metric from before the epoch:
                something_weird{problem="division by zero"} +Inf -3982045

                # TYPE http_request_duration_seconds histogram
                http_request_duration_seconds_bucket{le="0.05"} 24054
                http_request_duration_seconds_bucket{le="+Inf"} 144320
                http_request_duration_seconds_sum 53423
                http_request_duration_seconds_count 144320

                # TYPE rpc_duration_seconds summary
                rpc_duration_seconds{quantile="0.5"} 4773
                rpc_duration_seconds_sum 1.7560473e+07
                rpc_duration_seconds_count 2693
                """;
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(text);
        assertThat(f).containsKeys("http_requests_total", "msdos_file_access_time_seconds", "http_request_duration_seconds", "rpc_duration_seconds");
        assertThat(f.get("http_requests_total").type()).isEqualTo("counter");
        assertThat(f.get("msdos_file_access_time_seconds").samples().get(0).labels())
                .containsEntry("path", "C:\\DIR\\FILE.TXT").containsEntry("error", "Cannot find file:\n\"FILE.TXT\"");
        assertThat(f.get("something_weird").samples().get(0).value()).isInfinite();
        assertThat(f.get("rpc_duration_seconds").samples()).hasSize(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "1bad_name 1\n",
        "m{a=\"1\"} 1",                       // no final line feed
        "m{a=1} 1\n",                          // unquoted value
        "m{a=\"1\",a=\"2\"} 1\n",              // duplicate label
        "m{__a=\"1\"} 1\n",                    // reserved label
        "m{a=\"\\x\"} 1\n",                    // bad escape
        "m one\n",                             // bad value
        "m 1 12.5\n",                          // bad timestamp
        "m 1\nm 2\n",                          // duplicate series
        "a 1\nb 1\na{x=\"1\"} 1\n",            // family not contiguous
        "# TYPE m counter\n# TYPE m gauge\nm 1\n",
        "m 1\n# TYPE m gauge\n",               // TYPE after samples
        "# TYPE m summary\nm 1\n",             // summary sample without quantile
        "# TYPE m histogram\nm_bucket{le=\"1\"} 1\nm_count 1\n", // no +Inf bucket
        "# TYPE m counter\nm -1\n",
        "# TYPE m whatever\nm 1\n",
    })
    void refusesMalformedExpositions(String text) {
        assertThatThrownBy(() -> PrometheusTextParser.parse(text)).isInstanceOf(PrometheusTextParser.ParseException.class);
    }
}
