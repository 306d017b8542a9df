package dev.keyhaven.core.alerts;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.metrics.Telemetry;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObservabilityTest {
    @Test
    void installRegistersBothEndpointsAndFeedsAlertsFromTelemetry() {
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        Telemetry telemetry = new Telemetry(clock);
        Map<String, Engine> registered = new LinkedHashMap<>();
        MemoryStorage view = new MemoryStorage();
        try (Observability o = Observability.install(telemetry, registered::put, view, clock, Observability.Config.DEFAULTS)) {
            assertThat(registered).containsOnlyKeys("metrics", "alerts");
            assertThat(registered.get("metrics").unauthenticatedPaths()).isEmpty();
            for (int i = 0; i < 50; i++) telemetry.onAuthFailure("token", "invalid_token", "192.0.2.3");

            Request list = Request.builder(Operation.LIST, "sys/alerts").build();
            list.setMount("sys/", "system", "system_1", "alerts");
            @SuppressWarnings("unchecked") List<String> keys = (List<String>) registered.get("alerts").handle(list).data().get("keys");
            assertThat(keys).hasSize(1);
            assertThat(view.list("")).containsExactly("alerts/");
        }
        // closed: the engine no longer listens
        for (int i = 0; i < 200; i++) telemetry.onAuthFailure("token", "invalid_token", "192.0.2.4");
        assertThat(view.list("alerts/")).hasSize(1);
    }
}
