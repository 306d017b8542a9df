package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RotationSchedulerTest {
    private final RotationKit kit = new RotationKit();

    @SuppressWarnings("unchecked")
    private Map<String, Object> calendarEntry(String path) {
        List<Map<String, Object>> secrets = (List<Map<String, Object>>) kit.sys(Operation.READ, "status").data().get("secrets");
        return secrets.stream().filter(s -> s.get("path").equals(path)).findFirst().orElseThrow();
    }

    @Test
    void ninetyDayPolicyFiresOnDayNinetyNotBeforeAndTheCalendarShowsIt() {
        Instant day0 = kit.clock.instant();
        kit.kvWrite("secret/app/db", map("value", "v1-" + System.nanoTime()));
        kit.sys(Operation.UPDATE, "policy/db", map("path", "secret/app/db", "rotator", "random", "interval", "90d", "overlap", "24h"));
        RotationScheduler scheduler = kit.engine.scheduler();

        Instant next = Instant.parse((String) calendarEntry("secret/app/db").get("next_rotation"));
        assertThat(next).isBetween(day0.plus(Duration.ofDays(90)), day0.plus(Duration.ofDays(90)).plus(Duration.ofHours(1)));
        assertThat(calendarEntry("secret/app/db")).containsEntry("overdue", false).containsEntry("last_rotation", "").containsEntry("policy", "db");

        for (int day = 1; day < 90; day += 7) {
            kit.clock.advance(Duration.ofDays(7));
            if (kit.clock.instant().isBefore(day0.plus(Duration.ofDays(90)))) scheduler.runDue(kit.clock.instant());
        }
        kit.clock.advance(Duration.between(kit.clock.instant(), day0.plus(Duration.ofDays(90)).minusSeconds(1)));
        scheduler.runDue(kit.clock.instant());
        assertThat(kit.record("secret/app/db").current().orElseThrow().version()).as("not before day 90").isEqualTo(1);

        kit.clock.advance(Duration.ofHours(1).plusSeconds(1)); // day 90, past the largest possible jitter
        assertThat(calendarEntry("secret/app/db")).containsEntry("overdue", true);
        scheduler.runDue(kit.clock.instant());
        RotationRecord r = kit.record("secret/app/db");
        assertThat(r.current().orElseThrow().version()).isEqualTo(2);
        Map<String, Object> e = calendarEntry("secret/app/db");
        assertThat(e).containsEntry("overdue", false).containsEntry("current_version", 2L).containsEntry("previous_version", 1L).containsEntry("state", "overlap");
        assertThat(Instant.parse((String) e.get("last_rotation"))).isEqualTo(kit.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(Instant.parse((String) e.get("next_rotation"))).isAfterOrEqualTo(kit.clock.instant().plus(Duration.ofDays(90)).minusSeconds(1));
    }

    @Test
    void followerDoesNothingAndTheCalendarFlagsTheSecretOverdue() {
        kit.kvWrite("secret/app/k", map("value", "v1-" + System.nanoTime()));
        kit.sys(Operation.UPDATE, "policy/k", map("path", "secret/app/k", "rotator", "random", "interval", "1d"));
        AtomicBoolean leader = new AtomicBoolean(false);
        RotationScheduler follower = new RotationScheduler(kit.service, leader::get, Duration.ofSeconds(30));
        kit.clock.advance(Duration.ofDays(3));
        assertThat(follower.runDue(kit.clock.instant())).isFalse();
        assertThat(kit.record("secret/app/k").current().orElseThrow().version()).isEqualTo(1);
        assertThat(calendarEntry("secret/app/k")).containsEntry("overdue", true);
        assertThat(kit.sys(Operation.READ, "status").data()).containsEntry("overdue_count", 1);
        leader.set(true);
        assertThat(follower.runDue(kit.clock.instant())).isTrue();
        assertThat(calendarEntry("secret/app/k")).containsEntry("overdue", false).containsEntry("current_version", 2L);
    }

    @Test
    void failuresRetryWithExponentialBackoffAndRollBackCleanly() {
        FlakyRotator flaky = new FlakyRotator();
        kit.with(flaky);
        kit.kvWrite("secret/app/f", map("value", "v1"));
        flaky.valid.add("v1");
        kit.sys(Operation.UPDATE, "policy/f", map("path", "secret/app/f", "rotator", "flaky", "interval", "1d"));
        flaky.failNextApplies = 2;
        kit.clock.advance(Duration.ofDays(1).plusHours(1));
        kit.service.runDue(kit.clock.instant());
        RotationRecord r1 = kit.record("secret/app/f");
        assertThat(r1.attempts()).isEqualTo(1);
        assertThat(r1.lastError()).isEqualTo("IllegalStateException");
        assertThat(r1.inflight()).as("rolled back: the old value still works, the new one never did").isNull();
        assertThat(r1.versions()).noneMatch(v -> v.state() == VersionState.PENDING);
        long delay1 = r1.nextAttempt() - kit.clock.instant().getEpochSecond();
        assertThat(delay1).isBetween(30L, 33L);
        assertThat(kit.store.list("sys/rotation/")).doesNotContain("pending/");

        kit.clock.advance(Duration.ofSeconds(20));
        kit.service.runDue(kit.clock.instant());
        assertThat(flaky.applies.get()).as("still backing off").isEqualTo(1);

        kit.clock.advance(Duration.ofSeconds(20));
        kit.service.runDue(kit.clock.instant());
        RotationRecord r2 = kit.record("secret/app/f");
        assertThat(r2.attempts()).isEqualTo(2);
        assertThat(r2.nextAttempt() - kit.clock.instant().getEpochSecond()).isBetween(60L, 66L);

        kit.clock.advance(Duration.ofSeconds(70));
        kit.service.runDue(kit.clock.instant());
        RotationRecord r3 = kit.record("secret/app/f");
        assertThat(r3.attempts()).isZero();
        assertThat(r3.lastError()).isEmpty();
        assertThat(r3.current().orElseThrow().version()).isEqualTo(2);
        assertThat(kit.eventTypes()).contains("rotation.failed", "rotation.rolled_back", "rotation.promoted");
    }

    @Test
    void backoffIsCappedAtOneHour() {
        assertThat(kit.service.backoffSeconds(30)).isBetween(3600L, 3960L);
        assertThat(kit.service.backoffSeconds(1)).isBetween(30L, 33L);
    }

    @Test
    void jitterIsDeterministicForASeedAndNeverEarly() {
        RotationKit other = new RotationKit();
        for (RotationKit k : List.of(kit, other)) {
            k.kvWrite("secret/app/j", map("value", "v1"));
            k.sys(Operation.UPDATE, "policy/j", map("path", "secret/app/j", "rotator", "random", "interval", "90d"));
        }
        long a = kit.record("secret/app/j").nextRotation();
        assertThat(other.record("secret/app/j").nextRotation()).isEqualTo(a);
        assertThat(a).isGreaterThanOrEqualTo(kit.clock.instant().plus(Duration.ofDays(90)).getEpochSecond());
    }
}
