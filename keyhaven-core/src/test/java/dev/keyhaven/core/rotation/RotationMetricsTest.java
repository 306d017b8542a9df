package dev.keyhaven.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.metrics.PrometheusTextParser;
import dev.keyhaven.core.metrics.Telemetry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rotation outcomes reach keyhaven_rotations_total{outcome}, and only once the audit accepted the event. */
class RotationMetricsTest {
    private static RotationEvent event(String type) {
        return new RotationEvent(Instant.now(), type, "secret/app/db", "p", "random", "r1", "", 2, 1, "");
    }

    @Test
    void outcomesAreCounted() {
        Telemetry t = new Telemetry(Clock.systemUTC());
        List<RotationEvent> audited = new ArrayList<>();
        RotationAudit a = RotationExtension.counted(audited::add, t);
        for (String type : List.of("rotation.started", "rotation.applied", "rotation.promoted", "rotation.promoted", "rotation.failed",
                "rotation.rolled_back", "rotation.incident", "rotation.retired")) {
            a.record(event(type));
        }
        assertThat(audited).hasSize(8);
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(new String(t.prometheusText(), StandardCharsets.UTF_8));
        PrometheusTextParser.Family rot = f.get("keyhaven_rotations_total");
        assertThat(rot.samples()).extracting(s -> s.labels().get("outcome") + "=" + s.value())
                .containsExactlyInAnyOrder("success=2.0", "failure=1.0", "rolled_back=1.0", "emergency=1.0");

        RotationAudit failing = RotationExtension.counted(e -> {
            throw new IllegalStateException("audit down");
        }, t);
        assertThatThrownBy(() -> failing.record(event("rotation.promoted"))).hasMessage("audit down");
        f = PrometheusTextParser.parse(new String(t.prometheusText(), StandardCharsets.UTF_8));
        assertThat(f.get("keyhaven_rotations_total").sample("keyhaven_rotations_total", Map.of("outcome", "success")))
                .hasValueSatisfying(s -> assertThat(s.value()).isEqualTo(2.0));
    }
}
