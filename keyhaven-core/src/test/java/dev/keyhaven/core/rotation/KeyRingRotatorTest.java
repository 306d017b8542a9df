package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.transit.TransitEngineFactory;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.PrefixedStorage;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The transit/jwt rotator drives a real transit engine's key ring through the logical API. */
class KeyRingRotatorTest {
    private static RotationKit kitWithTransit() {
        RotationKit kit = new RotationKit();
        kit.mount("transit/", new TransitEngineFactory().create(new EngineContext("transit/", "transit_test", "transit", Map.of(),
                new PrefixedStorage(kit.store, "logical/transit/"), kit.clock)));
        kit.logical.handle(Request.builder(Operation.UPDATE, "transit/keys/jwt").data(Map.of("type", "ecdsa-p256")).build());
        return kit;
    }

    private static Map<String, Object> key(RotationKit kit) {
        Response r = kit.logical.handle(Request.builder(Operation.READ, "transit/keys/jwt").build());
        return r.data();
    }

    private static long num(Map<String, Object> key, String f) {
        return ((Number) key.get(f)).longValue();
    }

    @Test
    void rotatesTheKeyRingKeepsPreviousThroughOverlapThenTrimsIt() {
        RotationKit kit = kitWithTransit();
        kit.sys(Operation.UPDATE, "policy/jwt", map("path", "transit/keys/jwt", "category", "signing-key", "rotator", "jwt"));
        assertThat(kit.record("transit/keys/jwt").nextRotation()).isGreaterThanOrEqualTo(kit.clock.instant().plus(Duration.ofDays(30)).getEpochSecond());

        kit.clock.advance(Duration.ofDays(30).plusHours(1));
        kit.engine.scheduler().runDue(kit.clock.instant());
        Map<String, Object> k = key(kit);
        assertThat(num(k, "latest_version")).isEqualTo(2);
        assertThat(num(k, "min_decryption_version")).as("previous still verifies during overlap").isEqualTo(1);
        RotationRecord r = kit.record("transit/keys/jwt");
        assertThat(r.current().orElseThrow().version()).isEqualTo(2);
        assertThat(r.previous().orElseThrow().version()).isEqualTo(1);

        kit.clock.advance(Duration.ofDays(7));
        kit.engine.scheduler().runDue(kit.clock.instant());
        k = key(kit);
        assertThat(num(k, "min_decryption_version")).isEqualTo(2);
        assertThat(num(k, "min_available_version")).isEqualTo(2);
        assertThat(java.util.List.copyOf(((Map<?, ?>) k.get("keys")).keySet()).toString()).isEqualTo("[2]");
        assertThat(kit.record("transit/keys/jwt").previous()).isEmpty();

        // a second cycle raises the floors again
        kit.clock.advance(Duration.ofDays(31));
        kit.engine.scheduler().runDue(kit.clock.instant());
        kit.clock.advance(Duration.ofDays(8));
        kit.engine.scheduler().runDue(kit.clock.instant());
        k = key(kit);
        assertThat(num(k, "latest_version")).isEqualTo(3);
        assertThat(java.util.List.copyOf(((Map<?, ?>) k.get("keys")).keySet()).toString()).isEqualTo("[3]");
    }

    @Test
    void aRotateThatHappenedBeforeACrashIsNotRepeated() {
        RotationKit probe = kitWithTransit();
        probe.sys(Operation.UPDATE, "policy/jwt", map("path", "transit/keys/jwt", "rotator", "transit", "interval", "30d", "overlap", "1d"));
        probe.store.arm(Integer.MAX_VALUE);
        probe.service.rotateNow("transit/keys/jwt", "manual", false);
        int writes = probe.store.writes();
        for (int n = 1; n <= writes; n++) {
            RotationKit k2 = kitWithTransit();
            k2.sys(Operation.UPDATE, "policy/jwt", map("path", "transit/keys/jwt", "rotator", "transit", "interval", "30d", "overlap", "1d"));
            k2.store.arm(n);
            try {
                k2.service.rotateNow("transit/keys/jwt", "manual", false);
            } catch (CrashingStorage.Crash expected) {
                // died
            }
            k2.store.disarm();
            k2.restart();
            k2.engine.scheduler().runDue(k2.clock.instant());
            RotationRecord r = k2.record("transit/keys/jwt");
            assertThat(r.inflight()).isNull();
            long latest = num(key(k2), "latest_version");
            assertThat(latest).as("crash at write " + n).isLessThanOrEqualTo(2);
            assertThat(r.current().orElseThrow().version()).isEqualTo(latest);
        }
    }

    @Test
    void jwtRotatorNeedsAKeyPath() {
        RotationKit kit = kitWithTransit();
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/bad", map("path", "secret/app/x", "rotator", "jwt", "interval", "30d")),
                "<mount>/keys/<name>");
    }
}
