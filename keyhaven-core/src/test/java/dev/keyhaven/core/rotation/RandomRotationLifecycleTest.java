package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomRotationLifecycleTest {
    private final RotationKit kit = new RotationKit();

    private void policy(String name, Object... extra) {
        Map<String, Object> m = map("path", "secret/web/session", "rotator", "random", "interval", "30d", "overlap", "24h");
        for (int i = 0; i < extra.length; i += 2) m.put((String) extra[i], extra[i + 1]);
        kit.sys(Operation.UPDATE, "policy/" + name, m);
    }

    @Test
    void firstRotationIssuesAValueForAMissingSecret() {
        policy("sessions");
        assertThat(kit.record("secret/web/session").nextRotation()).isEqualTo(kit.clock.instant().getEpochSecond());
        kit.service.runDue(kit.clock.instant());
        RotationRecord r = kit.record("secret/web/session");
        assertThat(r.current()).isPresent();
        assertThat(r.current().get().version()).isEqualTo(1);
        assertThat(kit.current("secret/web/session").orElseThrow().require("value")).hasSize(32).matches("[A-Za-z0-9]{32}");
        assertThat(r.previous()).isEmpty();
    }

    @Test
    void rotationKeepsPreviousReadableDuringOverlapThenRetiresIt() {
        kit.kvWrite("secret/web/session", map("value", "bootstrap-" + System.nanoTime()));
        policy("sessions");
        SecretData before = kit.current("secret/web/session").orElseThrow();

        kit.service.rotateNow("secret/web/session", "manual", false);
        RotationRecord r = kit.record("secret/web/session");
        assertThat(r.current().orElseThrow().version()).isEqualTo(2);
        assertThat(r.previous().orElseThrow().version()).isEqualTo(1);
        assertThat(r.previous().get().state()).isEqualTo(VersionState.PREVIOUS);
        assertThat(kit.previous("secret/web/session")).contains(before);
        SecretData after = kit.current("secret/web/session").orElseThrow();
        assertThat(after).isNotEqualTo(before);

        kit.clock.advance(Duration.ofHours(23));
        kit.service.runDue(kit.clock.instant());
        assertThat(kit.previous("secret/web/session")).contains(before);

        kit.clock.advance(Duration.ofHours(1));
        kit.service.runDue(kit.clock.instant());
        assertThat(kit.previous("secret/web/session")).isEmpty();
        assertThat(kit.service.kv().read(kit.target("secret/web/session"), 1)).isEmpty();
        RotationRecord done = kit.record("secret/web/session");
        assertThat(done.versions()).extracting(RotationRecord.SecretVersion::state).containsExactly(VersionState.CURRENT, VersionState.RETIRED);
        assertThat(kit.eventTypes()).containsSubsequence("rotation.started", "rotation.applied", "rotation.promoted", "rotation.retired");
    }

    @Test
    void emergencyRotationWithRevokePreviousSkipsOverlapAndRecordsIncident() {
        kit.kvWrite("secret/web/session", map("value", "bootstrap-" + System.nanoTime()));
        policy("sessions");
        Response resp = kit.sys(Operation.UPDATE, "rotate/secret/web/session", map("revoke_previous", true));
        assertThat(resp.data()).containsEntry("current_version", 2L).containsEntry("previous_version", 0L);
        assertThat(kit.previous("secret/web/session")).isEmpty();
        assertThat(kit.events).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo("rotation.incident");
            assertThat(e.reason()).isEqualTo("emergency");
            assertThat(e.detail()).contains("revoke_previous");
        });
    }

    @Test
    void emergencyWithoutRevokeKeepsTheOverlap() {
        kit.kvWrite("secret/web/session", map("value", "bootstrap-" + System.nanoTime()));
        policy("sessions");
        kit.sys(Operation.UPDATE, "rotate/secret/web/session", map());
        assertThat(kit.previous("secret/web/session")).isPresent();
        assertThat(kit.events).anyMatch(RotationEvent::isIncident);
    }

    @Test
    void aSecondRotationDuringOverlapRetiresThePreviousFirst() {
        kit.kvWrite("secret/web/session", map("value", "bootstrap-" + System.nanoTime()));
        policy("sessions");
        kit.service.rotateNow("secret/web/session", "manual", false);
        kit.service.rotateNow("secret/web/session", "manual", false);
        RotationRecord r = kit.record("secret/web/session");
        assertThat(r.current().orElseThrow().version()).isEqualTo(3);
        assertThat(r.previous().orElseThrow().version()).isEqualTo(2);
        assertThat(kit.service.kv().read(kit.target("secret/web/session"), 1)).isEmpty();
        assertThat(r.versions().stream().filter(v -> v.state() == VersionState.CURRENT)).hasSize(1);
    }

    @Test
    void formatsProduceTheRequestedShape() {
        String[][] cases = {
            {"hex", "[0-9a-f]{64}"},
            {"base64", "[A-Za-z0-9+/]{43}="},
            {"base64url", "[A-Za-z0-9_-]{43}"},
            {"uuid", "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"},
            {"passphrase", "[a-z]{6}(-[a-z]{6}){5}"},
        };
        int i = 0;
        for (String[] c : cases) {
            String path = "secret/fmt/" + c[0];
            kit.sys(Operation.UPDATE, "policy/fmt" + i++, map("path", path, "rotator", "random", "interval", "30d", "format", c[0], "field", "key"));
            kit.service.rotateNow(path, "manual", false);
            assertThat(kit.current(path).orElseThrow().require("key")).as(c[0]).matches(c[1]);
        }
        kit.sys(Operation.UPDATE, "policy/alpha", map("path", "secret/fmt/alpha", "rotator", "random", "interval", "30d", "format", "alphabet", "alphabet", "01", "length", "128"));
        kit.service.rotateNow("secret/fmt/alpha", "manual", false);
        assertThat(kit.current("secret/fmt/alpha").orElseThrow().require("value")).matches("[01]{128}");
        assertThat(RandomValues.bitsPerWord() * 6).isGreaterThan(100);
    }

    @Test
    void patternPolicyDiscoversExistingSecretsAndBindsTheMostSpecificPolicy() {
        kit.kvWrite("secret/apps/a/session", map("value", "x-" + System.nanoTime()));
        kit.kvWrite("secret/apps/b/session", map("value", "y-" + System.nanoTime()));
        kit.kvWrite("secret/other", map("value", "z-" + System.nanoTime()));
        kit.sys(Operation.UPDATE, "policy/all-apps", map("path", "secret/apps/*", "rotator", "random", "interval", "30d"));
        kit.sys(Operation.UPDATE, "policy/app-b", map("path", "secret/apps/b/session", "rotator", "random", "interval", "7d"));
        assertThat(kit.record("secret/apps/a/session").policy()).isEqualTo("all-apps");
        assertThat(kit.record("secret/apps/b/session").policy()).isEqualTo("app-b");
        assertThat(kit.service.record("secret/other")).isEmpty();
        @SuppressWarnings("unchecked")
        List<String> keys = (List<String>) kit.sys(Operation.READ, "status").data().get("keys");
        assertThat(keys).containsExactlyInAnyOrder("secret/apps/a/session", "secret/apps/b/session");

        // a secret deleted from KV leaves the pattern's calendar instead of being re-created by rotation
        kit.logical.handle(dev.keyhaven.core.logical.Request.builder(Operation.DELETE, "secret/metadata/apps/a/session").build());
        kit.clock.advance(java.time.Duration.ofDays(31));
        kit.service.runDue(kit.clock.instant());
        assertThat(kit.service.record("secret/apps/a/session")).isEmpty();
        assertThat(kit.service.kv().metadata(kit.target("secret/apps/a/session"))).isEmpty();
        assertThat(kit.record("secret/apps/b/session").current().orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void externalWriteBetweenRotationsBecomesTheCurrentVersion() {
        kit.kvWrite("secret/web/session", map("value", "v1-" + System.nanoTime()));
        policy("sessions");
        kit.service.rotateNow("secret/web/session", "manual", false); // v2
        kit.kvWrite("secret/web/session", map("value", "hand-" + System.nanoTime())); // v3, outside rotation
        kit.service.rotateNow("secret/web/session", "manual", false); // v4
        RotationRecord r = kit.record("secret/web/session");
        assertThat(r.current().orElseThrow().version()).isEqualTo(4);
        assertThat(r.previous().orElseThrow().version()).isEqualTo(3);
    }

    @Test
    void noSecretValueReachesRecordsPoliciesOrAuditEvents() {
        String canary = "canary-" + Long.toHexString(System.nanoTime()) + "-bootstrap";
        kit.kvWrite("secret/web/session", map("value", canary));
        policy("sessions");
        kit.service.rotateNow("secret/web/session", "manual", true);
        String newValue = kit.current("secret/web/session").orElseThrow().require("value");
        String stored = kit.nonValueStorageText();
        assertThat(stored).doesNotContain(canary).doesNotContain(newValue);
        assertThat(kit.events.toString()).doesNotContain(canary).doesNotContain(newValue);
        assertThat(kit.record("secret/web/session").toString()).doesNotContain(newValue);
        assertThat(kit.current("secret/web/session").orElseThrow().toString()).doesNotContain(newValue).contains("redacted");
        assertThat(kit.sys(Operation.READ, "status/secret/web/session").data().toString()).doesNotContain(newValue);
        // pending values were cleaned up after promotion
        assertThat(kit.store.list("sys/rotation/")).doesNotContain("pending/");
    }
}
