package dev.keyhaven.core.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AuditGateTest {
    private static final KeyhavenException REFUSED = new KeyhavenException(ErrorCode.UNAVAILABLE, "no audit backend succeeded in logging the response");

    @Test
    void callbacksAddedBeforeRunInOrderWhenTheGateOpensAndThoseAddedAfterRunAtOnce() {
        AuditGate gate = new AuditGate();
        List<String> seen = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            int n = i;
            gate.then(f -> seen.add(n + ":" + f));
        }
        assertThat(seen).isEmpty();
        assertThat(gate.isDone()).isFalse();
        gate.complete(null);
        assertThat(seen).containsExactly("1:null", "2:null", "3:null", "4:null");
        gate.then(f -> seen.add("late:" + f));
        assertThat(seen).endsWith("late:null");
        assertThat(gate.isDone()).isTrue();
    }

    @Test
    void aFailureReachesEveryCallbackAndOnlyTheFirstOutcomeCounts() {
        AuditGate gate = new AuditGate();
        List<KeyhavenException> seen = new ArrayList<>();
        gate.then(seen::add);
        gate.complete(REFUSED);
        gate.complete(null); // ignored
        gate.then(seen::add);
        assertThat(seen).containsExactly(REFUSED, REFUSED);
    }

    @Test
    void aThrowingCallbackDoesNotKeepTheOthersFromRunning() {
        AuditGate gate = new AuditGate();
        List<String> seen = new ArrayList<>();
        gate.then(f -> {
            throw new IllegalStateException("metrics broke");
        });
        gate.then(f -> seen.add("answer sent"));
        gate.then(f -> {
            throw new IllegalArgumentException("second");
        });
        gate.then(f -> seen.add("third"));
        assertThatThrownBy(() -> gate.complete(null)).isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(seen).containsExactly("answer sent", "third");
    }

    @Test
    void everyCallbackRunsExactlyOnceWhenAddingRacesWithOpening() throws Exception {
        for (int round = 0; round < 200; round++) {
            AuditGate gate = new AuditGate();
            java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            Thread adder = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 50; i++) gate.then(f -> runs.incrementAndGet());
            });
            adder.start();
            start.countDown();
            gate.complete(null);
            adder.join(TimeUnit.SECONDS.toMillis(10));
            assertThat(runs.get()).isEqualTo(50);
        }
    }
}
