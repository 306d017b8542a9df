package dev.keyhaven.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.audit.AuditAuth;
import dev.keyhaven.core.audit.AuditBroker;
import dev.keyhaven.core.audit.AuditEvent;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** An audit device that cannot write is counted in keyhaven_audit_log_failures_total{device}. */
class AuditFailureMetricTest {
    @Test
    void failingAuditDeviceIsCountedByPath() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")), "needs /dev/full (Linux)");
        Telemetry telemetry = new Telemetry(Clock.systemUTC());
        try (AuditBroker broker = new AuditBroker(new MemoryStorage(), Clock.systemUTC())) {
            broker.onDeviceFailure(telemetry::onAuditFailure);
            broker.enable("full", "file", "", Map.of("file_path", "/dev/full", "mode", "0000"), false);
            AuditEvent ev = AuditEvent.of(Request.builder(Operation.READ, "secret/data/a").build(), AuditAuth.NONE);
            assertThatThrownBy(() -> broker.logRequest(ev)).isInstanceOf(KeyhavenException.class);
        }
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(new String(telemetry.prometheusText(), StandardCharsets.UTF_8));
        assertThat(f.get("keyhaven_audit_log_failures_total").sample("keyhaven_audit_log_failures_total", Map.of("device", "full/")))
                .hasValueSatisfying(s -> assertThat(s.value()).isEqualTo(1.0));
    }
}
