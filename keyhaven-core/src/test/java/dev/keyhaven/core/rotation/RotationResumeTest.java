package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.Operation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * In-process crash simulation: the store stops accepting writes at every possible point of a rotation (and of the
 * retirement after the overlap); a new service over the same store ("restart") must then end with exactly one
 * current version whose value works at the target, and the old one retired after the overlap. The kill -9 test
 * with a child JVM lives with the server module; this one covers every write boundary cheaply.
 */
class RotationResumeTest {
    private static final String PATH = "secret/app/flaky";

    private record Setup(RotationKit kit, FlakyRotator target) {}

    private static Setup setup() {
        FlakyRotator target = new FlakyRotator();
        RotationKit kit = new RotationKit().with(target);
        kit.kvWrite(PATH, map("value", "v1"));
        target.valid.add("v1");
        kit.sys(Operation.UPDATE, "policy/f", map("path", PATH, "rotator", "flaky", "interval", "1d", "overlap", "1h"));
        return new Setup(kit, target);
    }

    private static void assertConsistent(Setup s) {
        RotationRecord r = s.kit().record(PATH);
        assertThat(r.versions().stream().filter(v -> v.state() == VersionState.CURRENT)).hasSize(1);
        assertThat(r.inflight()).isNull();
        SecretData current = s.kit().current(PATH).orElseThrow();
        assertThat(r.current().orElseThrow().version()).isEqualTo(s.kit().service.kv().metadata(s.kit().target(PATH)).orElseThrow().currentVersion());
        assertThat(s.target().valid).contains(current.require("value"));
        assertThat(s.kit().raw.list("sys/rotation/")).doesNotContain("pending/");
    }

    @Test
    void crashAtEveryWriteOfARotationResumesOrRollsBackToOneWorkingCurrentVersion() {
        Setup probe = setup();
        probe.kit().store.arm(Integer.MAX_VALUE);
        probe.kit().service.rotateNow(PATH, "manual", false);
        int writes = probe.kit().store.writes();
        assertThat(writes).isGreaterThan(4);

        for (int n = 1; n <= writes; n++) {
            Setup s = setup();
            s.kit().store.arm(n);
            assertThatThrownBy(() -> s.kit().service.rotateNow(PATH, "manual", false)).as("crash at write " + n).isInstanceOf(CrashingStorage.Crash.class);
            s.kit().store.disarm();
            s.kit().restart();
            s.kit().engine.scheduler().runDue(s.kit().clock.instant());
            assertConsistent(s);
            // the next scheduled rotation (or the one resumed) completes and the old value retires after the overlap
            s.kit().clock.advance(Duration.ofDays(2));
            s.kit().engine.scheduler().runDue(s.kit().clock.instant());
            s.kit().clock.advance(Duration.ofHours(2));
            s.kit().engine.scheduler().runDue(s.kit().clock.instant());
            assertConsistent(s);
            assertThat(s.target().valid).as("only the current value works after the overlap (crash at write " + n + ")").hasSize(1);
            assertThat(s.kit().record(PATH).previous()).isEmpty();
        }
    }

    @Test
    void crashAtEveryWriteOfARetirementFinishesItAfterRestart() {
        Setup probe = setup();
        probe.kit().service.rotateNow(PATH, "manual", false);
        probe.kit().clock.advance(Duration.ofHours(2));
        probe.kit().store.arm(Integer.MAX_VALUE);
        probe.kit().service.runDue(probe.kit().clock.instant());
        int writes = probe.kit().store.writes();
        assertThat(writes).isGreaterThan(0);

        for (int n = 1; n <= writes; n++) {
            Setup s = setup();
            s.kit().service.rotateNow(PATH, "manual", false);
            s.kit().clock.advance(Duration.ofHours(2));
            s.kit().store.arm(n);
            try {
                s.kit().service.runDue(s.kit().clock.instant());
            } catch (CrashingStorage.Crash expected) {
                // died mid-retirement
            }
            s.kit().store.disarm();
            s.kit().restart();
            s.kit().engine.scheduler().runDue(s.kit().clock.instant());
            assertConsistent(s);
            assertThat(s.kit().record(PATH).previous()).isEmpty();
            assertThat(s.target().valid).containsExactly(s.kit().current(PATH).orElseThrow().require("value"));
            assertThat(s.kit().previous(PATH)).isEmpty();
        }
    }

    @Test
    void targetThatTookTheValueButReportedAnErrorRollsForwardNotBack() {
        Setup s = setup();
        s.target().failAfterApply = true;
        assertThatThrownBy(() -> s.kit().service.rotateNow(PATH, "manual", false)).isInstanceOf(RuntimeException.class);
        RotationRecord r = s.kit().record(PATH);
        assertThat(r.inflight()).as("kept to roll forward").isNotNull();
        assertThat(r.inflight().step()).isEqualTo("prepared");
        assertThat(s.kit().raw.list("sys/rotation/")).contains("pending/");
        s.kit().restart();
        s.kit().clock.advance(Duration.ofMinutes(5));
        s.kit().engine.scheduler().runDue(s.kit().clock.instant());
        assertConsistent(s);
        assertThat(s.kit().record(PATH).current().orElseThrow().version()).isEqualTo(2);
    }
}
