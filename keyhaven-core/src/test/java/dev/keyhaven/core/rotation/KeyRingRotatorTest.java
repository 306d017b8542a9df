package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The transit/jwt rotator drives a key ring through the logical API (against a stand-in until transit merges). */
class KeyRingRotatorTest {
    private final RotationKit kit = new RotationKit();
    private final TransitStandIn transit = new TransitStandIn();

    KeyRingRotatorTest() {
        kit.mount("transit/", transit);
        kit.logical.handle(Request.builder(Operation.UPDATE, "transit/keys/jwt").build());
    }

    @Test
    void rotatesTheKeyRingKeepsPreviousThroughOverlapThenTrimsIt() {
        kit.sys(Operation.UPDATE, "policy/jwt", map("path", "transit/keys/jwt", "category", "signing-key", "rotator", "jwt"));
        RotationRecord fresh = kit.record("transit/keys/jwt");
        assertThat(fresh.nextRotation()).isGreaterThanOrEqualTo(kit.clock.instant().plus(Duration.ofDays(30)).getEpochSecond());

        kit.clock.advance(Duration.ofDays(30).plusHours(1));
        kit.engine.scheduler().runDue(kit.clock.instant());
        TransitStandIn.Key k = transit.keys.get("jwt");
        assertThat(k.latest).isEqualTo(2);
        assertThat(k.minDecryption).as("previous still verifies during overlap").isEqualTo(1);
        RotationRecord r = kit.record("transit/keys/jwt");
        assertThat(r.current().orElseThrow().version()).isEqualTo(2);
        assertThat(r.previous().orElseThrow().version()).isEqualTo(1);

        kit.clock.advance(Duration.ofDays(7));
        kit.engine.scheduler().runDue(kit.clock.instant());
        assertThat(k.minDecryption).isEqualTo(2);
        assertThat(k.minAvailable).isEqualTo(2);
        assertThat(k.versions.keySet()).containsExactly(2L);
        assertThat(kit.record("transit/keys/jwt").previous()).isEmpty();
    }

    @Test
    void aRotateThatHappenedBeforeACrashIsNotRepeated() {
        kit.sys(Operation.UPDATE, "policy/jwt", map("path", "transit/keys/jwt", "rotator", "transit", "interval", "30d", "overlap", "1d"));
        kit.store.arm(Integer.MAX_VALUE);
        kit.service.rotateNow("transit/keys/jwt", "manual", false);
        int writes = kit.store.writes();
        for (int n = 1; n <= writes; n++) {
            RotationKit k2 = new RotationKit();
            TransitStandIn t2 = new TransitStandIn();
            k2.mount("transit/", t2);
            k2.logical.handle(Request.builder(Operation.UPDATE, "transit/keys/jwt").build());
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
            long latest = t2.keys.get("jwt").latest;
            assertThat(latest).as("crash at write " + n).isLessThanOrEqualTo(2);
            if (latest == 2) assertThat(r.current().orElseThrow().version()).isEqualTo(2);
        }
    }

    @Test
    void jwtRotatorNeedsAKeyPath() {
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/bad", map("path", "secret/app/x", "rotator", "jwt", "interval", "30d")),
                "<mount>/keys/<name>");
    }
}
