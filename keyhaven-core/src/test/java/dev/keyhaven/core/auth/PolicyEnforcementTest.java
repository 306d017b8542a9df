package dev.keyhaven.core.auth;

import static dev.keyhaven.core.auth.AuthHarness.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PolicyEnforcementTest {
    private final AuthHarness h = new AuthHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static void assertDenied(Runnable r) {
        KeyhavenException e = failure(r);
        assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
        assertThat(e.errors()).containsExactly("permission denied");
    }

    @Test
    void readOnlyTokenReadsAppPathsButIsDeniedWritesAndOtherPaths() {
        h.policy("app-read", """
                path "secret/data/app/*" {
                  capabilities = ["read"]
                }
                """);
        String t = h.tokenWithPolicies("app-read");

        assertThat(h.call(t, Operation.READ, "secret/data/app/x").data()).containsEntry("ok", true);
        assertDenied(() -> h.call(t, Operation.UPDATE, "secret/data/app/x", Map.of("data", Map.of("k", "v"))));
        assertDenied(() -> h.call(t, Operation.CREATE, "secret/data/app/new", Map.of("data", Map.of("k", "v"))));
        assertDenied(() -> h.call(t, Operation.DELETE, "secret/data/app/x"));
        assertDenied(() -> h.call(t, Operation.PATCH, "secret/data/app/x"));
        assertDenied(() -> h.call(t, Operation.LIST, "secret/metadata/app/"));
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/other"));
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/apps"));
    }

    @Test
    void denyWinsOverGrantsForTheSamePathAcrossPolicies() {
        h.policy("grant", "path \"secret/data/app/*\" { capabilities = [\"read\", \"update\", \"create\"] }");
        h.policy("block", "path \"secret/data/app/*\" { capabilities = [\"deny\"] }");
        String both = h.tokenWithPolicies("grant", "block");
        String grantOnly = h.tokenWithPolicies("grant");

        assertThat(h.call(grantOnly, Operation.READ, "secret/data/app/x").data()).containsEntry("ok", true);
        assertDenied(() -> h.call(both, Operation.READ, "secret/data/app/x"));
        assertDenied(() -> h.call(both, Operation.UPDATE, "secret/data/app/x", Map.of("a", "b")));
    }

    @Test
    void denyInsideOnePolicyOverridesOtherCapabilitiesListedWithIt() {
        h.policy("mixed", "path \"secret/data/app/x\" { capabilities = [\"read\", \"deny\", \"update\"] }");
        String t = h.tokenWithPolicies("mixed");
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/app/x"));
    }

    @Test
    void moreSpecificDenyCarvesAHoleInABroaderGrant() {
        h.policy("p", """
                path "secret/data/*" { capabilities = ["read"] }
                path "secret/data/app/admin" { capabilities = ["deny"] }
                """);
        String t = h.tokenWithPolicies("p");
        assertThat(h.call(t, Operation.READ, "secret/data/app/x").data()).containsEntry("ok", true);
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/app/admin"));
    }

    @Test
    void expiredTokenGetsPermissionDenied() {
        h.policy("app-read", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
        String t = h.token(Map.of("policies", List.of("app-read"), "ttl", "1h"));
        assertThat(h.call(t, Operation.READ, "secret/data/app/x").data()).containsEntry("ok", true);
        h.advance(Duration.ofMinutes(59));
        assertThat(h.call(t, Operation.READ, "secret/data/app/x").data()).containsEntry("ok", true);
        h.advance(Duration.ofMinutes(1));
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/app/x"));
        assertDenied(() -> h.call(t, Operation.READ, "auth/token/lookup-self"));
    }

    @Test
    void revokedTokenGetsPermissionDenied() {
        h.policy("app-read", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
        String t = h.tokenWithPolicies("app-read");
        assertThat(h.call(t, Operation.READ, "secret/data/app/x").data()).containsEntry("ok", true);
        h.call(h.root, Operation.UPDATE, "auth/token/revoke", Map.of("token", t));
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/app/x"));
    }

    @Test
    void missingOrUnknownTokenGetsPermissionDenied() {
        assertDenied(() -> h.call(null, Operation.READ, "secret/data/app/x"));
        assertDenied(() -> h.call("hvs.notARealTokenAtAll000000000000", Operation.READ, "secret/data/app/x"));
        assertDenied(() -> h.call("x".repeat(100_000), Operation.READ, "secret/data/app/x"));
    }

    @Test
    void tokenWithoutPoliciesIsDeniedEverythingButTheDefaultPolicy() {
        String t = h.token(Map.of("policies", List.of("default")));
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/app/x"));
        assertDenied(() -> h.call(t, Operation.LIST, "sys/policies/acl"));
        assertThat(h.call(t, Operation.READ, "auth/token/lookup-self").data()).containsEntry("policies", List.of("default"));
    }

    @Test
    void defaultPolicyAllowsLookupRenewAndRevokeSelf() {
        String t = h.token(Map.of("policies", List.of("default"), "ttl", "1h"));
        assertThat(h.call(t, Operation.READ, "auth/token/lookup-self").data()).containsEntry("id", t);
        assertThat(h.call(t, Operation.UPDATE, "auth/token/renew-self", Map.of("increment", "30m")).auth()).containsEntry("lease_duration", 1800L);
        assertThat(h.call(t, Operation.UPDATE, "sys/capabilities-self", Map.of("path", "auth/token/lookup-self")).data())
                .containsEntry("capabilities", List.of("read"));
        assertDenied(() -> h.call(t, Operation.UPDATE, "auth/token/lookup-accessor", Map.of("accessor", "x")));
        h.call(t, Operation.UPDATE, "auth/token/revoke-self");
        assertDenied(() -> h.call(t, Operation.READ, "auth/token/lookup-self"));
    }

    @Test
    void createNeedsCreateCapabilityAndUpdateNeedsUpdateCapability() {
        h.policy("creator", "path \"secret/data/*\" { capabilities = [\"create\"] }");
        String t = h.tokenWithPolicies("creator");
        assertThat(h.call(t, Operation.UPDATE, "secret/data/new", Map.of("a", "b")).data()).containsEntry("ok", true);
        // Now it exists: a second write is an update, which the policy does not grant.
        assertDenied(() -> h.call(t, Operation.UPDATE, "secret/data/new", Map.of("a", "c")));
    }

    @Test
    void rootPathsNeedSudo() {
        h.policy("revoker", "path \"auth/token/revoke-orphan\" { capabilities = [\"update\"] }");
        h.policy("sudo-revoker", "path \"auth/token/revoke-orphan\" { capabilities = [\"update\", \"sudo\"] }");
        String victim = h.tokenWithPolicies("default");
        String plain = h.tokenWithPolicies("revoker");
        String sudo = h.tokenWithPolicies("sudo-revoker");
        assertDenied(() -> h.call(plain, Operation.UPDATE, "auth/token/revoke-orphan", Map.of("token", victim)));
        h.call(sudo, Operation.UPDATE, "auth/token/revoke-orphan", Map.of("token", victim));
        assertDenied(() -> h.call(victim, Operation.READ, "auth/token/lookup-self"));
    }

    @Test
    void limitedUseTokenIsRevokedWhenItsUsesRunOut() {
        h.policy("app-read", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
        String t = h.token(Map.of("policies", List.of("app-read"), "num_uses", 2));
        h.call(t, Operation.READ, "secret/data/app/x");
        h.call(t, Operation.READ, "secret/data/app/x");
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/app/x"));
        assertThat(h.auth.tokenStore().lookup(t)).isEmpty();
    }

    @Test
    void deniedRequestDoesNotConsumeAUse() {
        h.policy("app-read", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
        String t = h.token(Map.of("policies", List.of("app-read"), "num_uses", 1));
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/other"));
        assertThat(h.call(t, Operation.READ, "secret/data/app/x").data()).containsEntry("ok", true);
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/app/x"));
    }

    @Test
    void parameterConstraintsAreEnforced() {
        h.policy("params", """
                path "secret/data/allowed" {
                  capabilities = ["create", "update"]
                  allowed_parameters = {
                    "color" = ["red", "gr*"]
                    "size"  = []
                  }
                }
                path "secret/data/denied" {
                  capabilities = ["create", "update"]
                  denied_parameters = { "admin" = [] }
                }
                path "secret/data/required" {
                  capabilities = ["create", "update"]
                  required_parameters = ["owner"]
                }
                """);
        String t = h.tokenWithPolicies("params");
        assertThatCode(() -> h.call(t, Operation.UPDATE, "secret/data/allowed", Map.of("color", "red", "size", 3))).doesNotThrowAnyException();
        assertThatCode(() -> h.call(t, Operation.UPDATE, "secret/data/allowed", Map.of("color", "green"))).doesNotThrowAnyException();
        assertDenied(() -> h.call(t, Operation.UPDATE, "secret/data/allowed", Map.of("color", "blue")));
        assertDenied(() -> h.call(t, Operation.UPDATE, "secret/data/allowed", Map.of("shape", "round")));
        assertThatCode(() -> h.call(t, Operation.UPDATE, "secret/data/denied", Map.of("name", "x"))).doesNotThrowAnyException();
        assertDenied(() -> h.call(t, Operation.UPDATE, "secret/data/denied", Map.of("ADMIN", true)));
        assertDenied(() -> h.call(t, Operation.UPDATE, "secret/data/required", Map.of("name", "x")));
        assertThatCode(() -> h.call(t, Operation.UPDATE, "secret/data/required", Map.of("owner", "me"))).doesNotThrowAnyException();
    }

    @Test
    void policyChangesTakeEffectImmediately() {
        h.policy("p", "path \"secret/data/a\" { capabilities = [\"read\"] }");
        String t = h.tokenWithPolicies("p");
        h.call(t, Operation.READ, "secret/data/a");
        h.policy("p", "path \"secret/data/b\" { capabilities = [\"read\"] }");
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/a"));
        h.call(t, Operation.READ, "secret/data/b");
        h.call(h.root, Operation.DELETE, "sys/policies/acl/p");
        assertDenied(() -> h.call(t, Operation.READ, "secret/data/b"));
    }

    @Test
    void rootTokenMayDoAnything() {
        assertThat(h.call(h.root, Operation.DELETE, "anything/at/all").data()).containsEntry("ok", true);
        assertThat(h.call(h.root, Operation.UPDATE, "sys/capabilities-self", Map.of("path", "x/y")).data()).containsEntry("capabilities", List.of("root"));
    }
}
