package dev.keyhaven.core.auth.token;

import static dev.keyhaven.core.auth.AuthHarness.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.auth.AuthHarness;
import dev.keyhaven.core.auth.AuthTestStorage;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenEngineTest {
    private final AuthHarness h = new AuthHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private Map<String, Object> create(String as, Map<String, Object> body) {
        return h.call(as, Operation.UPDATE, "auth/token/create", body).auth();
    }

    private Map<String, Object> lookupSelf(String t) {
        return h.call(t, Operation.READ, "auth/token/lookup-self").data();
    }

    private boolean valid(String t) {
        return h.auth.tokenStore().lookup(t).isPresent();
    }

    private static void assertBadRequest(Runnable r, String message) {
        KeyhavenException e = failure(r);
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(e.errors()).anySatisfy(m -> assertThat(m).contains(message));
    }

    @Test
    void createReturnsVaultAuthBlockWithHvsToken() {
        Map<String, Object> a = create(h.root, Map.of("policies", List.of("dev", "ops"), "meta", Map.of("user", "ann"), "ttl", "1h",
                "display_name", "ci job"));
        assertThat(a).containsKeys("client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration", "renewable",
                "entity_id", "token_type", "orphan", "mfa_requirement", "num_uses");
        assertThat((String) a.get("client_token")).matches("hvs\\.[0-9A-Za-z]{32}");
        assertThat((String) a.get("accessor")).matches("[0-9A-Za-z]{24}");
        assertThat(a).containsEntry("policies", List.of("default", "dev", "ops")).containsEntry("lease_duration", 3600L)
                .containsEntry("renewable", true).containsEntry("token_type", "service").containsEntry("orphan", false)
                .containsEntry("metadata", Map.of("user", "ann")).containsEntry("num_uses", 0L);
        Map<String, Object> l = lookupSelf((String) a.get("client_token"));
        assertThat(l).containsEntry("display_name", "token-ci-job").containsEntry("path", "auth/token/create")
                .containsEntry("creation_ttl", 3600L).containsEntry("ttl", 3600L).containsEntry("type", "service")
                .containsEntry("expire_time", "2030-01-01T01:00:00Z").containsEntry("issue_time", "2030-01-01T00:00:00Z")
                .containsEntry("accessor", a.get("accessor")).containsEntry("id", a.get("client_token"));
        assertThat(l).containsKeys("creation_time", "entity_id", "explicit_max_ttl", "meta", "num_uses", "orphan", "policies", "renewable");
    }

    @Test
    void rootTokenLooksUpWithZeroTtlAndNullExpiry() {
        Map<String, Object> l = lookupSelf(h.root);
        assertThat(l).containsEntry("ttl", 0L).containsEntry("policies", List.of("root")).containsEntry("orphan", true)
                .containsEntry("renewable", false);
        assertThat(l.get("expire_time")).isNull();
    }

    @Test
    void tokensWithoutTtlGetTheDefaultAndAreCappedByTheMax() {
        assertThat(create(h.root, Map.of("policies", List.of("a")))).containsEntry("lease_duration", 768L * 3600);
        Response r = h.call(h.root, Operation.UPDATE, "auth/token/create", Map.of("ttl", "10000h"));
        assertThat(r.auth()).containsEntry("lease_duration", 768L * 3600);
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("capped"));
    }

    @Test
    void childPoliciesMustBeASubsetOfTheParents() {
        String parent = create(h.root, Map.of("policies", List.of("a", "b"))).get("client_token").toString();
        h.policy("tokens", "path \"auth/token/create\" { capabilities = [\"update\"] }");
        String creator = create(h.root, Map.of("policies", List.of("a", "tokens"))).get("client_token").toString();
        assertThat(create(creator, Map.of("policies", List.of("a")))).containsEntry("policies", List.of("a", "default"));
        assertBadRequest(() -> create(creator, Map.of("policies", List.of("b"))), "child policies must be subset of parent");
        assertBadRequest(() -> create(creator, Map.of("policies", List.of("root"))), "child policies must be subset of parent");
        assertBadRequest(() -> create(creator, Map.of("no_parent", true)), "root or sudo privileges required to create orphan token");
        assertBadRequest(() -> create(creator, Map.of("period", "1h")), "root or sudo privileges required to create periodic token");
        assertBadRequest(() -> create(creator, Map.of("id", "custom-id")), "root or sudo privileges required to specify token id");
        // inherits the parent's policies when none are requested
        assertThat(create(creator, Map.of())).containsEntry("policies", List.of("a", "default", "tokens"));
        assertThat(parent).isNotEmpty();
    }

    @Test
    void childNeverOutlivesItsParent() {
        String parent = create(h.root, Map.of("policies", List.of("default"), "ttl", "1h")).get("client_token").toString();
        h.policy("tokens", "path \"auth/token/create\" { capabilities = [\"update\"] }");
        String creator = create(h.root, Map.of("policies", List.of("tokens"), "ttl", "1h")).get("client_token").toString();
        Response r = h.call(creator, Operation.UPDATE, "auth/token/create", Map.of("ttl", "5h"));
        assertThat(r.auth()).containsEntry("lease_duration", 3600L);
        assertThat(parent).isNotEmpty();
    }

    @Test
    void revokingAParentRevokesAllDescendantsButNotOrphans() {
        String parent = create(h.root, Map.of("policies", List.of("default"))).get("client_token").toString();
        h.policy("tokens", "path \"auth/token/create*\" { capabilities = [\"update\"] }");
        String mid = create(h.root, Map.of("policies", List.of("tokens"))).get("client_token").toString();
        String child = create(mid, Map.of()).get("client_token").toString();
        String grandchild = create(child, Map.of()).get("client_token").toString();
        String orphan = h.call(mid, Operation.UPDATE, "auth/token/create-orphan", Map.of()).auth().get("client_token").toString();
        assertThat(lookupSelf(orphan)).containsEntry("orphan", true);

        h.call(h.root, Operation.UPDATE, "auth/token/revoke", Map.of("token", mid));
        assertThat(valid(mid)).isFalse();
        assertThat(valid(child)).isFalse();
        assertThat(valid(grandchild)).isFalse();
        assertThat(valid(orphan)).isTrue();
        assertThat(valid(parent)).isTrue();
        // no index records are left behind for the revoked tree
        String everything = AuthTestStorage.everything(h.storage);
        for (String t : List.of(mid, child, grandchild)) {
            assertThat(everything).doesNotContain(h.auth.tokenStore().hash(t));
        }
    }

    @Test
    void revokeOrphanLeavesChildrenAliveAsOrphans() {
        h.policy("tokens", "path \"auth/token/create\" { capabilities = [\"update\"] }");
        String mid = create(h.root, Map.of("policies", List.of("tokens"))).get("client_token").toString();
        String child = create(mid, Map.of()).get("client_token").toString();
        h.call(h.root, Operation.UPDATE, "auth/token/revoke-orphan", Map.of("token", mid));
        assertThat(valid(mid)).isFalse();
        assertThat(lookupSelf(child)).containsEntry("orphan", true);
    }

    @Test
    void accessorOperationsLookUpRenewAndRevokeWithoutTheToken() {
        Map<String, Object> a = create(h.root, Map.of("policies", List.of("x"), "ttl", "1h"));
        String accessor = a.get("accessor").toString();
        Map<String, Object> l = h.call(h.root, Operation.UPDATE, "auth/token/lookup-accessor", Map.of("accessor", accessor)).data();
        assertThat(l).containsEntry("id", "").containsEntry("policies", List.of("default", "x"));
        h.advance(Duration.ofMinutes(30));
        Map<String, Object> renewed = h.call(h.root, Operation.UPDATE, "auth/token/renew-accessor", Map.of("accessor", accessor, "increment", 7200)).auth();
        assertThat(renewed).containsEntry("lease_duration", 7200L).containsEntry("client_token", "");
        h.call(h.root, Operation.UPDATE, "auth/token/revoke-accessor", Map.of("accessor", accessor));
        assertThat(valid(a.get("client_token").toString())).isFalse();
        assertBadRequest(() -> h.call(h.root, Operation.UPDATE, "auth/token/lookup-accessor", Map.of("accessor", accessor)), "invalid accessor");
    }

    @Test
    void accessorsListNeedsSudo() {
        create(h.root, Map.of("policies", List.of("x")));
        assertThat((List<?>) h.call(h.root, Operation.LIST, "auth/token/accessors/").data().get("keys")).hasSize(2);
        h.policy("lister", "path \"auth/token/accessors*\" { capabilities = [\"list\"] }");
        String t = create(h.root, Map.of("policies", List.of("lister"))).get("client_token").toString();
        assertThat(failure(() -> h.call(t, Operation.LIST, "auth/token/accessors/")).code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    }

    @Test
    void renewExtendsUpToExplicitMaxTtl() {
        String t = create(h.root, Map.of("ttl", "1h", "explicit_max_ttl", "2h")).get("client_token").toString();
        h.advance(Duration.ofMinutes(50));
        Response r = h.call(t, Operation.UPDATE, "auth/token/renew-self", Map.of("increment", "1h"));
        assertThat(r.auth()).containsEntry("lease_duration", 3600L);
        h.advance(Duration.ofMinutes(50));
        r = h.call(t, Operation.UPDATE, "auth/token/renew-self", Map.of("increment", "1h"));
        assertThat(r.auth()).containsEntry("lease_duration", 20L * 60);
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("capped"));
        h.advance(Duration.ofMinutes(20));
        assertThat(valid(t)).isFalse();
    }

    @Test
    void periodicTokensRenewToTheirPeriodIndefinitely() {
        String t = create(h.root, Map.of("period", "30m")).get("client_token").toString();
        assertThat(lookupSelf(t)).containsEntry("period", 1800L).containsEntry("ttl", 1800L);
        for (int i = 0; i < 100; i++) {
            h.advance(Duration.ofMinutes(29));
            assertThat(h.call(t, Operation.UPDATE, "auth/token/renew-self", Map.of("increment", "10h")).auth()).containsEntry("lease_duration", 1800L);
        }
        assertThat(valid(t)).isTrue();
    }

    @Test
    void nonRenewableTokenCannotBeRenewed() {
        String t = create(h.root, Map.of("ttl", "1h", "renewable", false)).get("client_token").toString();
        assertBadRequest(() -> h.call(t, Operation.UPDATE, "auth/token/renew-self"), "lease is not renewable");
    }

    @Test
    void restrictedUseTokenCannotCreateChildren() {
        h.policy("tokens", "path \"auth/token/create\" { capabilities = [\"update\"] }");
        String t = create(h.root, Map.of("policies", List.of("tokens"), "num_uses", 5)).get("client_token").toString();
        assertBadRequest(() -> create(t, Map.of()), "restricted use token cannot generate child tokens");
    }

    @Test
    void sweeperRemovesExpiredTokensAndTheirChildren() {
        h.policy("tokens", "path \"auth/token/create\" { capabilities = [\"update\"] }");
        String shortLived = create(h.root, Map.of("policies", List.of("tokens"), "ttl", "10m")).get("client_token").toString();
        String child = create(shortLived, Map.of("ttl", "5m", "policies", List.of("tokens"))).get("client_token").toString();
        String longLived = create(h.root, Map.of("ttl", "2h")).get("client_token").toString();
        String hash = h.auth.tokenStore().hash(shortLived);

        assertThat(h.auth.tokenStore().sweepExpired(h.clock.instant())).isZero();
        h.advance(Duration.ofMinutes(11));
        assertThat(h.auth.tokenStore().sweepExpired(h.clock.instant())).isEqualTo(2);
        assertThat(AuthTestStorage.everything(h.storage)).doesNotContain(hash);
        assertThat(valid(child)).isFalse();
        assertThat(valid(longLived)).isTrue();
        assertThat(h.auth.tokenStore().sweepExpired(h.clock.instant())).isZero();
    }

    @Test
    void rolesShapeTheTokensCreatedThroughThem() {
        h.call(h.root, Operation.UPDATE, "auth/token/roles/deployer", Map.of("allowed_policies", List.of("deploy", "read"),
                "orphan", true, "path_suffix", "v2", "token_explicit_max_ttl", "2h", "renewable", false));
        Map<String, Object> role = h.call(h.root, Operation.READ, "auth/token/roles/deployer").data();
        assertThat(role).containsEntry("name", "deployer").containsEntry("allowed_policies", List.of("deploy", "read"))
                .containsEntry("orphan", true).containsEntry("path_suffix", "v2").containsEntry("token_explicit_max_ttl", 7200L)
                .containsEntry("renewable", false).containsEntry("token_type", "default-service");
        assertThat((Object) h.call(h.root, Operation.LIST, "auth/token/roles/").data().get("keys")).isEqualTo(List.of("deployer"));

        // A token holder allowed to use the role gets the role's policies even though it does not hold them.
        h.policy("use-role", "path \"auth/token/create/deployer\" { capabilities = [\"update\"] }");
        String user = create(h.root, Map.of("policies", List.of("use-role"))).get("client_token").toString();
        Map<String, Object> a = h.call(user, Operation.UPDATE, "auth/token/create/deployer", Map.of("ttl", "10h")).auth();
        assertThat(a).containsEntry("policies", List.of("default", "deploy", "read")).containsEntry("orphan", true)
                .containsEntry("renewable", false).containsEntry("lease_duration", 7200L);
        assertThat(lookupSelf(a.get("client_token").toString())).containsEntry("path", "auth/token/create/deployer/v2").containsEntry("role", "deployer");
        assertBadRequest(() -> h.call(user, Operation.UPDATE, "auth/token/create/deployer", Map.of("policies", List.of("admin"))),
                "must be subset of the role's allowed policies");

        h.call(h.root, Operation.UPDATE, "auth/token/roles/deployer", Map.of("disallowed_policies", List.of("read")));
        assertBadRequest(() -> h.call(user, Operation.UPDATE, "auth/token/create/deployer", Map.of("policies", List.of("read"))),
                "token policy \"read\" is disallowed by this role");
        h.call(h.root, Operation.DELETE, "auth/token/roles/deployer");
        assertThat(failure(() -> h.call(h.root, Operation.READ, "auth/token/roles/deployer")).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void malformedCreateRequestsAreRejectedAndWriteNothing() {
        Map<String, String> before = AuthTestStorage.dump(h.storage);
        List<Map<String, Object>> bad = List.of(
                Map.of("ttl", "forever"),
                Map.of("ttl", List.of("1h")),
                Map.of("ttl", "-5m"),
                Map.of("explicit_max_ttl", "1x"),
                Map.of("num_uses", "many"),
                Map.of("num_uses", -1),
                Map.of("policies", 42),
                Map.of("policies", List.of("../etc")),
                Map.of("meta", "user=ann"),
                Map.of("meta", Map.of("k", 1)),
                Map.of("renewable", "perhaps"),
                Map.of("type", "batch"),
                Map.of("display_name", "x".repeat(10_000)),
                Map.of("id", "has space"));
        for (Map<String, Object> body : bad) {
            KeyhavenException e = failure(() -> create(h.root, body));
            assertThat(e.code()).as(body.keySet().toString()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(e.getMessage()).isNotBlank();
        }
        assertThat(AuthTestStorage.dump(h.storage)).isEqualTo(before);
    }

    @Test
    void malformedRoleWritesAreRejectedAndWriteNothing() {
        Map<String, String> before = AuthTestStorage.dump(h.storage);
        assertBadRequest(() -> h.call(h.root, Operation.UPDATE, "auth/token/roles/r", Map.of("path_suffix", "../x")), "cannot contain '..'");
        assertBadRequest(() -> h.call(h.root, Operation.UPDATE, "auth/token/roles/r", Map.of("token_bound_cidrs", List.of("10.0.0.0/40"))), "invalid CIDR block");
        assertBadRequest(() -> h.call(h.root, Operation.UPDATE, "auth/token/roles/r", Map.of("token_type", "batch")), "batch");
        assertBadRequest(() -> h.call(h.root, Operation.UPDATE, "auth/token/roles/r", Map.of("token_period", "soon")), "invalid duration");
        assertBadRequest(() -> h.call(h.root, Operation.UPDATE, "auth/token/roles/..", Map.of()), "role name");
        assertBadRequest(() -> h.call(h.root, Operation.UPDATE, "auth/token/roles/a/b", Map.of()), "role name");
        assertThat(AuthTestStorage.dump(h.storage)).isEqualTo(before);
    }

    @Test
    void customIdTokensWorkForRoot() {
        Map<String, Object> body = new HashMap<>();
        body.put("id", "my-fixed-id-" + System.nanoTime());
        Map<String, Object> a = create(h.root, body);
        assertThat(a.get("client_token")).isEqualTo(body.get("id"));
        assertThat(valid((String) body.get("id"))).isTrue();
        assertBadRequest(() -> create(h.root, body), "duplicate ID");
    }

    @Test
    void lookupOfUnknownTokenIsBadToken() {
        KeyhavenException e = failure(() -> h.call(h.root, Operation.UPDATE, "auth/token/lookup", Map.of("token", "hvs.doesnotexist")));
        assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
        assertThat(e.errors()).containsExactly("bad token");
    }
}
