package dev.keyhaven.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The auth service tells its listeners why it refused a request, and recognises tokens that were valid once. */
class AuthListenerTest {
    private final AuthHarness h = new AuthHarness();
    private final List<AuthListener.AuthFailure> seen = new CopyOnWriteArrayList<>();

    AuthListenerTest() {
        h.auth.addListener(seen::add);
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void refused(String token) {
        assertThat(AuthHarness.failure(() -> h.call(token, Operation.READ, "secret/app")).code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    }

    private String accessorOf(String token) {
        return (String) h.call(token, Operation.READ, "auth/token/lookup-self").data().get("accessor");
    }

    @Test
    void missingTokenIsReportedAsMissing() {
        refused(null);
        assertThat(seen).singleElement().satisfies(f -> {
            assertThat(f.method()).isEqualTo("token");
            assertThat(f.reason()).isEqualTo(AuthListener.MISSING_TOKEN);
            assertThat(f.staleCredential()).isFalse();
        });
    }

    @Test
    void tokenNeverIssuedIsInvalidNotStale() {
        refused("hvs." + "x".repeat(32)); // obviously fake, never issued
        assertThat(seen).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(AuthListener.INVALID_TOKEN);
            assertThat(f.accessor()).isEmpty();
        });
    }

    @Test
    void revokedTokenIsReportedAsRevokedWithItsAccessor() {
        String t = h.tokenWithPolicies("default");
        String accessor = accessorOf(t);
        h.call(h.root, Operation.UPDATE, "auth/token/revoke", Map.of("token", t));
        refused(t);
        assertThat(seen).singleElement().satisfies(f -> {
            assertThat(f.reason()).isEqualTo(AuthListener.REVOKED_TOKEN);
            assertThat(f.accessor()).isEqualTo(accessor);
            assertThat(f.staleCredential()).isTrue();
            assertThat(f.toString()).doesNotContain(accessor).doesNotContain(t);
        });
    }

    @Test
    void expiredTokenIsReportedAsExpiredBeforeAndAfterTheSweep() {
        String t = h.token(Map.of("policies", List.of("default"), "ttl", "10m"));
        String accessor = accessorOf(t);
        h.advance(Duration.ofMinutes(11));
        refused(t);
        h.auth.tokenStore().sweepExpired(h.clock.instant());
        refused(t);
        assertThat(seen).hasSize(2).allSatisfy(f -> {
            assertThat(f.reason()).isEqualTo(AuthListener.EXPIRED_TOKEN);
            assertThat(f.accessor()).isEqualTo(accessor);
        });
    }

    @Test
    void tombstonesArePrunedAfterTheRetention() {
        String t = h.tokenWithPolicies("default");
        h.call(h.root, Operation.UPDATE, "auth/token/revoke", Map.of("token", t));
        h.advance(dev.keyhaven.core.auth.token.TokenStore.TOMBSTONE_RETENTION.plusMinutes(1));
        h.auth.tokenStore().sweepExpired(h.clock.instant());
        refused(t);
        assertThat(seen).singleElement().satisfies(f -> assertThat(f.reason()).isEqualTo(AuthListener.INVALID_TOKEN));
        assertThat(AuthTestStorage.dump(h.storage).keySet()).noneMatch(k -> k.startsWith("token/revoked"));
    }

    @Test
    void policyRefusalIsPermissionDenied() {
        String t = h.tokenWithPolicies("default");
        refused(t);
        assertThat(seen).singleElement().satisfies(f -> assertThat(f.reason()).isEqualTo(AuthListener.PERMISSION_DENIED));
    }

    @Test
    void aFailingListenerNeverChangesTheAnswer() {
        h.auth.addListener(f -> {
            throw new IllegalStateException("boom");
        });
        refused(null);
        assertThat(h.call(h.root, Operation.READ, "secret/app").data()).containsEntry("ok", true);
    }
}
