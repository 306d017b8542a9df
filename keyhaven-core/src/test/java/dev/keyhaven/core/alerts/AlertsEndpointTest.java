package dev.keyhaven.core.alerts;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AlertsEndpointTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final MemoryStorage storage = new MemoryStorage();
    private final AlertStore store = new AlertStore(storage, 5);
    private final AlertEngine engine = new AlertEngine(clock, AlertConfig.DEFAULTS, store, Optional.empty(), Optional.empty());
    private final AlertsEndpoint endpoint = new AlertsEndpoint(store, clock);

    private Response call(Operation op, String rel, Map<String, List<String>> query) {
        Request r = Request.builder(op, "sys/" + rel).query(query).build();
        r.setMount("sys/", "system", "system_1", rel);
        r.setAuth(new TokenEntry("h", "acc", List.of("ops"), "", "auth/token/create", Map.of(), "token-oncall", 0, 0, 0, 0, 0, 0, 0, false, "", "", "", 0, List.of()));
        return endpoint.handle(r);
    }

    private static ErrorCode code(Runnable r) {
        try {
            r.run();
        } catch (KeyhavenException e) {
            return e.code();
        }
        throw new AssertionError("expected a KeyhavenException");
    }

    @SuppressWarnings("unchecked")
    private List<String> keys(Response r) {
        return (List<String>) r.data().get("keys");
    }

    @Test
    void listGetAndAcknowledge() {
        engine.onExpiredCredentialUse("revoked_token", "AAAAAAAAaaaaaaaaaaaaaaaa", "192.0.2.1");
        clock.advance(Duration.ofHours(2));
        engine.onExpiredCredentialUse("expired_token", "BBBBBBBBbbbbbbbbbbbbbbbb", "192.0.2.2");

        Response all = call(Operation.LIST, "alerts", Map.of());
        assertThat(keys(all)).hasSize(2).isSorted();
        assertThat(all.data().get("key_info").toString()).contains("expired_credential").contains("token accessor AAAAAAAA...");
        assertThat(keys(call(Operation.READ, "alerts", Map.of()))).hasSize(2);
        assertThat(keys(call(Operation.LIST, "alerts", Map.of("since", List.of("1h"))))).hasSize(1);

        String id = keys(all).get(0);
        Response one = call(Operation.READ, "alerts/" + id, Map.of());
        assertThat(one.data()).containsEntry("id", id).containsEntry("rule", "expired_credential").containsEntry("acknowledged", false)
                .containsEntry("source", "192.0.2.1");

        clock.advance(Duration.ofMinutes(1));
        Response acked = call(Operation.UPDATE, "alerts/ack/" + id, Map.of());
        assertThat(acked.data()).containsEntry("acknowledged", true).containsEntry("acknowledged_by", "token-oncall")
                .containsEntry("acknowledged_at", "2030-01-01T02:01:00Z");
        clock.advance(Duration.ofMinutes(1));
        assertThat(call(Operation.UPDATE, "alerts/ack/" + id, Map.of()).data()).containsEntry("acknowledged_at", "2030-01-01T02:01:00Z");
        assertThat(keys(call(Operation.LIST, "alerts", Map.of("unacknowledged", List.of("true"))))).doesNotContain(id).hasSize(1);
    }

    @Test
    void emptyListIsVaults404AndBadInputIsA400() {
        assertThatThrownBy(() -> call(Operation.LIST, "alerts", Map.of())).isInstanceOfSatisfying(KeyhavenException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(e.errors()).isEmpty();
        });
        assertThat(code(() -> call(Operation.LIST, "alerts", Map.of("since", List.of("soon"))))).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(code(() -> call(Operation.LIST, "alerts", Map.of("since", List.of("-1h"))))).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(code(() -> call(Operation.LIST, "alerts", Map.of("unacknowledged", List.of("maybe"))))).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(code(() -> call(Operation.READ, "alerts/../../core/keyring", Map.of()))).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(code(() -> call(Operation.READ, "alerts/20300101T000000.000Z-00000000", Map.of()))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(code(() -> call(Operation.UPDATE, "alerts/ack/20300101T000000.000Z-00000000", Map.of()))).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(code(() -> call(Operation.DELETE, "alerts", Map.of()))).isEqualTo(ErrorCode.UNSUPPORTED_OPERATION);
        assertThat(code(() -> call(Operation.READ, "alerts/ack/x", Map.of()))).isEqualTo(ErrorCode.UNSUPPORTED_OPERATION);
        assertThat(storage.list("")).isEmpty(); // nothing written by refused requests
    }

    @Test
    void onlyTheNewestAlertsAreKept() {
        for (int i = 0; i < 8; i++) {
            engine.onExpiredCredentialUse("revoked_token", "accessor" + i + "xxxxxxxxxxxxxxx", "");
            clock.advance(Duration.ofSeconds(1));
        }
        List<String> ids = store.ids();
        assertThat(ids).hasSize(5);
        assertThat(store.get(ids.get(0)).orElseThrow().subject()).isEqualTo("token accessor accessor...");
        assertThat(store.get(ids.get(0)).orElseThrow().time()).isEqualTo(Instant.parse("2030-01-01T00:00:03Z"));
    }
}
