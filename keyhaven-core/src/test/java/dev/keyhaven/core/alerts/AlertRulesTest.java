package dev.keyhaven.core.alerts;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyhaven.core.auth.AuthHarness;
import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.auth.login.LoginAttempt;
import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.metrics.Telemetry;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The three alert rules, driven through the real Telemetry with an injected clock (no sleeps). */
class AlertRulesTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final Telemetry telemetry = new Telemetry(clock);
    private final AlertStore store = new AlertStore(new MemoryStorage(), 10_000);
    private final AlertEngine engine = new AlertEngine(clock, AlertConfig.DEFAULTS, store, Optional.of(telemetry), Optional.empty());
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AlertEngine.class);

    AlertRulesTest() {
        telemetry.addListener(engine);
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(logs);
    }

    static String canary(String prefix) {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    /** What the AppRole method reports for a wrong secret ID. */
    private void failedLogin(String source) {
        telemetry.onLogin(new LoginAttempt(clock.instant(), "approle", "auth/approle/", "ci", false, Optional.of(FailureClass.CREDENTIALS),
                "invalid role or secret ID", Map.of(), "", source, ""));
    }

    private void read(String accessor, String rel) {
        Request r = Request.builder(Operation.READ, "secret/" + rel).remoteAddress("192.0.2.9").build();
        r.setMount("secret/", "kv", "kv_1", rel);
        r.setAuth(new TokenEntry("h", accessor, List.of("default"), "", "auth/token/create", Map.of(), "app", 0, 0, 0, 0, 0, 0, 0, false, "", "", "", 0, List.of()));
        telemetry.onRequest(r, 200, 1_000_000);
    }

    private List<Alert> alerts(AlertRule rule) {
        return store.since(Instant.EPOCH).stream().filter(a -> a.rule().equals(rule.id())).toList();
    }

    // ------------------------------------------------------------------ brute force

    @Test
    void fiftyFailedLoginsInAMinuteRaiseExactlyOneBruteForceAlert() {
        for (int i = 0; i < 50; i++) {
            failedLogin("192.0.2.7");
            clock.advance(Duration.ofMillis(1100)); // 50 failures within 55 s
        }
        assertThat(alerts(AlertRule.BRUTE_FORCE)).singleElement().satisfies(a -> {
            assertThat(a.subject()).isEqualTo("source 192.0.2.7");
            assertThat(a.source()).isEqualTo("192.0.2.7");
            assertThat(a.severity()).isEqualTo("high");
            assertThat(a.details()).containsEntry("failures", 50).containsEntry("last_method", "approle");
        });
        // the burst goes on: still one alert
        for (int i = 0; i < 200; i++) failedLogin("192.0.2.7");
        assertThat(alerts(AlertRule.BRUTE_FORCE)).hasSize(1);
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().startsWith("ALERT rule=brute_force")).hasSize(1);
    }

    @Test
    void fortyNineFailuresOrFiftySpreadOverMoreThanAMinuteRaiseNothing() {
        for (int i = 0; i < 49; i++) failedLogin("192.0.2.7");
        assertThat(alerts(AlertRule.BRUTE_FORCE)).isEmpty();
        clock.advance(Duration.ofMinutes(5));
        for (int i = 0; i < 50; i++) {
            failedLogin("192.0.2.8");
            clock.advance(Duration.ofMillis(1300)); // 50 failures over 65 s: never 50 in one minute
        }
        assertThat(alerts(AlertRule.BRUTE_FORCE)).isEmpty();
    }

    @Test
    void aDistributedBurstRaisesOneOverallAlert() {
        for (int i = 0; i < 50; i++) failedLogin("198.51.100." + i);
        assertThat(alerts(AlertRule.BRUTE_FORCE)).singleElement().satisfies(a -> assertThat(a.subject()).isEqualTo("all sources"));
    }

    @Test
    void aNewBurstAfterTheCooldownRaisesANewAlert() {
        for (int i = 0; i < 50; i++) failedLogin("192.0.2.7");
        clock.advance(Duration.ofMinutes(14));
        for (int i = 0; i < 50; i++) failedLogin("192.0.2.7");
        assertThat(alerts(AlertRule.BRUTE_FORCE)).hasSize(1);
        clock.advance(Duration.ofMinutes(2));
        for (int i = 0; i < 50; i++) failedLogin("192.0.2.7");
        assertThat(alerts(AlertRule.BRUTE_FORCE)).hasSize(2);
    }

    @Test
    void validTokensLackingACapabilityAreNotBruteForce() {
        for (int i = 0; i < 100; i++) telemetry.onAuthFailure("token", "permission_denied", "192.0.2.7");
        for (int i = 0; i < 100; i++) telemetry.onAuthFailure("token", "missing_token", "192.0.2.7");
        for (int i = 0; i < 100; i++) {
            telemetry.onLogin(new LoginAttempt(clock.instant(), "jwt", "auth/jwt/", "", false, Optional.of(FailureClass.MISSING_INPUT), "missing role",
                    Map.of(), "", "192.0.2.7", ""));
        }
        assertThat(alerts(AlertRule.BRUTE_FORCE)).isEmpty();
        for (int i = 0; i < 50; i++) telemetry.onAuthFailure("token", "invalid_token", "192.0.2.7");
        assertThat(alerts(AlertRule.BRUTE_FORCE)).hasSize(1);
    }

    // ------------------------------------------------------------------ spikes

    /** 30 minutes of 5 reads a minute: the baseline of this token and prefix is 5 per minute. */
    private void steadyBaseline(String accessor) {
        for (int minute = 0; minute < 30; minute++) {
            for (int i = 0; i < 5; i++) {
                read(accessor, "data/app/db/password");
                clock.advance(Duration.ofSeconds(12));
            }
        }
    }

    @Test
    void aReadBurstTwentyTimesTheBaselineRaisesASpikeAlert() {
        String accessor = canary("acc");
        steadyBaseline(accessor);
        assertThat(alerts(AlertRule.USAGE_SPIKE)).isEmpty();
        for (int i = 0; i < 100; i++) {
            read(accessor, "data/app/db/password");
            clock.advance(Duration.ofMillis(500));
        }
        List<Alert> spikes = alerts(AlertRule.USAGE_SPIKE);
        assertThat(spikes).extracting(Alert::subject)
                .containsExactlyInAnyOrder("token accessor " + accessor.substring(0, 8) + "...", "path prefix secret/app/db/");
        assertThat(spikes).allSatisfy(a -> {
            assertThat(((Number) a.details().get("requests_in_bucket")).longValue()).isEqualTo(100L);
            assertThat(((Number) a.details().get("baseline_per_bucket")).doubleValue()).isEqualTo(5.0);
            assertThat(a.toMap().toString()).doesNotContain(accessor);
        });
        // the burst continues in the same cool-down: no more alerts
        for (int i = 0; i < 300; i++) read(accessor, "data/app/db/password");
        assertThat(alerts(AlertRule.USAGE_SPIKE)).hasSize(2);
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains(accessor));
    }

    @Test
    void aBurstBelowTwentyTimesTheBaselineRaisesNothing() {
        String accessor = canary("acc");
        steadyBaseline(accessor);
        for (int i = 0; i < 95; i++) read(accessor, "data/app/db/password");
        assertThat(alerts(AlertRule.USAGE_SPIKE)).isEmpty();
    }

    @Test
    void idleThenOneReadOrABurstDuringWarmUpRaisesNothing() {
        String quiet = canary("acc");
        read(quiet, "data/quiet/x");
        clock.advance(Duration.ofHours(5));
        read(quiet, "data/quiet/x"); // baseline ~0, but one read is far below the minimum count
        assertThat(alerts(AlertRule.USAGE_SPIKE)).isEmpty();

        String fresh = canary("acc");
        for (int i = 0; i < 500; i++) read(fresh, "data/fresh/x"); // never seen before: still warming up
        assertThat(alerts(AlertRule.USAGE_SPIKE)).isEmpty();
    }

    // ------------------------------------------------------------------ stale credentials

    @Test
    void useOfARevokedTokenRaisesAnExpiredCredentialAlert() {
        try (AuthHarness h = new AuthHarness()) {
            h.auth.addListener(telemetry);
            String token = h.tokenWithPolicies("default");
            String accessor = (String) h.call(token, Operation.READ, "auth/token/lookup-self").data().get("accessor");
            h.call(h.root, Operation.UPDATE, "auth/token/revoke", Map.of("token", token));
            for (int i = 0; i < 3; i++) {
                KeyhavenException e = AuthHarness.failure(() -> h.call(token, Operation.READ, "secret/app"));
                assertThat(e.code().httpStatus()).isEqualTo(403);
            }
            assertThat(alerts(AlertRule.EXPIRED_CREDENTIAL)).singleElement().satisfies(a -> {
                assertThat(a.subject()).isEqualTo("token accessor " + accessor.substring(0, 8) + "...");
                assertThat(a.message()).contains("a revoked token");
                assertThat(a.details()).containsEntry("kind", "revoked_token");
                assertThat(a.toMap().toString()).doesNotContain(token).doesNotContain(accessor);
            });
            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.startsWith("ALERT rule=expired_credential"))
                    .noneMatch(m -> m.contains(token) || m.contains(accessor));
            // after the cool-down, a new use alerts again
            clock.advance(Duration.ofMinutes(61));
            AuthHarness.failure(() -> h.call(token, Operation.READ, "secret/app"));
            assertThat(alerts(AlertRule.EXPIRED_CREDENTIAL)).hasSize(2);
        }
    }

    @Test
    void useOfAnExpiredTokenAndOfARetiredSecretVersionAlertToo() {
        try (AuthHarness h = new AuthHarness()) {
            h.auth.addListener(telemetry);
            String token = h.token(Map.of("policies", List.of("default"), "ttl", "1m"));
            h.advance(Duration.ofMinutes(2));
            AuthHarness.failure(() -> h.call(token, Operation.READ, "secret/app"));
        }
        telemetry.onPreviousVersionReadAfterOverlap("secret/app/db/password");
        assertThat(alerts(AlertRule.EXPIRED_CREDENTIAL)).extracting(a -> a.details().get("kind"))
                .containsExactlyInAnyOrder("expired_token", "retired_secret_version");
        assertThat(alerts(AlertRule.EXPIRED_CREDENTIAL)).anySatisfy(a -> assertThat(a.subject()).isEqualTo("secret secret/app/db/password"));
    }

    @Test
    void alertsAreCountedInMetrics() {
        for (int i = 0; i < 50; i++) failedLogin("192.0.2.7");
        String text = new String(telemetry.prometheusText(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).contains("keyhaven_alerts_raised_total{rule=\"brute_force\"} 1.0");
    }

    @Test
    void anAlertThatCannotBeStoredIsStillLogged() {
        dev.keyhaven.core.storage.Storage sealed = new dev.keyhaven.core.storage.Storage() {
            private RuntimeException sealed() {
                return new KeyhavenException(dev.keyhaven.core.logical.ErrorCode.SEALED, "Keyhaven is sealed");
            }

            @Override public Optional<byte[]> get(String key) { throw sealed(); }
            @Override public void put(String key, byte[] value) { throw sealed(); }
            @Override public void delete(String key) { throw sealed(); }
            @Override public List<String> list(String prefix) { throw sealed(); }
            @Override public void batch(List<dev.keyhaven.core.storage.StorageOp> ops) { throw sealed(); }
            @Override public boolean compareAndSet(String key, byte[] expected, byte[] value) { throw sealed(); }
            @Override public void close() {}
        };
        AlertStore broken = new AlertStore(sealed, 10);
        AlertEngine e = new AlertEngine(clock, AlertConfig.DEFAULTS, broken, Optional.empty(), Optional.empty());
        e.onExpiredCredentialUse("revoked_token", "abcdefghijklmnop", "192.0.2.7");
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).anyMatch(m -> m.startsWith("ALERT rule=expired_credential"));
    }
}
