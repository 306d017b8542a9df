package dev.keyhaven.core.auth.policy;

import static dev.keyhaven.core.auth.AuthHarness.failure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.auth.AuthHarness;
import dev.keyhaven.core.auth.AuthTestStorage;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PolicyEndpointsTest {
    private final AuthHarness h = new AuthHarness();
    private static final String RULES = "path \"secret/data/app/*\" {\n  capabilities = [\"read\"]\n}\n";

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void sysPolicyAndSysPoliciesAclShareOneStoreWithTheirOwnShapes() {
        h.call(h.root, Operation.UPDATE, "sys/policy/App-Read", Map.of("rules", RULES));
        assertThat(h.call(h.root, Operation.READ, "sys/policy/app-read").data()).isEqualTo(Map.of("name", "app-read", "rules", RULES));
        assertThat(h.call(h.root, Operation.READ, "sys/policies/acl/app-read").data()).isEqualTo(Map.of("name", "app-read", "policy", RULES));

        Map<String, Object> legacyList = h.call(h.root, Operation.READ, "sys/policy").data();
        assertThat(legacyList.get("keys")).isEqualTo(List.of("app-read", "default", "root"));
        assertThat(legacyList.get("policies")).isEqualTo(legacyList.get("keys"));
        Map<String, Object> list = h.call(h.root, Operation.LIST, "sys/policies/acl").data();
        assertThat(list).containsOnlyKeys("keys");

        h.call(h.root, Operation.DELETE, "sys/policies/acl/app-read");
        assertThat(failure(() -> h.call(h.root, Operation.READ, "sys/policy/app-read")).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void jsonAndBase64PoliciesAreAccepted() {
        String json = "{\"path\": {\"secret/*\": {\"capabilities\": [\"list\"]}}}";
        h.call(h.root, Operation.UPDATE, "sys/policies/acl/j", Map.of("policy", json));
        String b64 = Base64.getEncoder().encodeToString(RULES.getBytes(StandardCharsets.UTF_8));
        h.call(h.root, Operation.UPDATE, "sys/policies/acl/b", Map.of("policy", b64));
        assertThat(h.call(h.root, Operation.READ, "sys/policies/acl/b").data()).containsEntry("policy", RULES);
        String t = h.tokenWithPolicies("j");
        assertThat(h.call(h.root, Operation.UPDATE, "sys/capabilities", Map.of("token", t, "path", "secret/x")).data())
                .containsEntry("capabilities", List.of("list"));
    }

    @Test
    void rootCannotBeChangedOrDeletedAndDefaultCannotBeDeleted() {
        KeyhavenException e = failure(() -> h.call(h.root, Operation.UPDATE, "sys/policy/root", Map.of("policy", RULES)));
        assertThat(e.errors()).containsExactly("cannot update \"root\" policy");
        assertThat(failure(() -> h.call(h.root, Operation.DELETE, "sys/policies/acl/root")).errors()).containsExactly("cannot delete \"root\" policy");
        assertThat(failure(() -> h.call(h.root, Operation.DELETE, "sys/policies/acl/default")).errors()).containsExactly("cannot delete default policy");
        // default can be changed
        h.call(h.root, Operation.UPDATE, "sys/policies/acl/default", Map.of("policy", RULES));
        assertThat(h.call(h.root, Operation.READ, "sys/policies/acl/default").data()).containsEntry("policy", RULES);
    }

    @Test
    void malformedPolicyWritesAreRejectedWithClearMessagesAndWriteNothing() {
        Map<String, String> before = AuthTestStorage.dump(h.storage);
        record Case(String path, Map<String, Object> body, String message) {}
        List<Case> cases = List.of(
                new Case("sys/policies/acl/p", Map.of(), "'policy' parameter not supplied or empty"),
                new Case("sys/policies/acl/p", Map.of("policy", 7), "failed to parse policy"),
                new Case("sys/policies/acl/p", Map.of("policy", List.of("x")), "expected a string"),
                new Case("sys/policies/acl/p", Map.of("policy", "path \"a\" {\n capabilities = [\"read\"\n"), "failed to parse policy: line "),
                new Case("sys/policies/acl/p", Map.of("policy", "path \"a\" { capabilities = [\"fly\"] }"), "invalid capability \"fly\""),
                new Case("sys/policies/acl/p", Map.of("policy", "{\"path\": {"), "failed to parse policy"),
                new Case("sys/policies/acl/..", Map.of("policy", RULES), "policy name"),
                new Case("sys/policies/acl/a/../b", Map.of("policy", RULES), "policy name"),
                new Case("sys/policy/" + "n".repeat(200), Map.of("policy", RULES), "too long"));
        for (Case c : cases) {
            KeyhavenException e = failure(() -> h.call(h.root, Operation.UPDATE, c.path(), c.body()));
            assertThat(e.code()).as(c.toString()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(String.join(" ", e.errors())).as(c.path()).contains(c.message());
        }
        assertThat(AuthTestStorage.dump(h.storage)).isEqualTo(before);
    }

    @Test
    void capabilitiesEndpointsReportPerPathCapabilities() {
        h.policy("p", """
                path "secret/data/app/*" { capabilities = ["read", "list"] }
                path "secret/data/app/locked" { capabilities = ["deny"] }
                """);
        Map<String, Object> a = h.call(h.root, Operation.UPDATE, "auth/token/create", Map.of("policies", List.of("p"))).auth();
        String t = (String) a.get("client_token");
        Map<String, Object> self = h.call(t, Operation.UPDATE, "sys/capabilities-self",
                Map.of("paths", List.of("secret/data/app/x", "secret/data/app/locked", "secret/data/other"))).data();
        assertThat(self).containsEntry("secret/data/app/x", List.of("list", "read"))
                .containsEntry("secret/data/app/locked", List.of("deny"))
                .containsEntry("secret/data/other", List.of("deny"))
                .doesNotContainKey("capabilities");
        assertThat(h.call(h.root, Operation.UPDATE, "sys/capabilities-accessor", Map.of("accessor", a.get("accessor"), "path", "secret/data/app/x")).data())
                .containsEntry("capabilities", List.of("list", "read"));
        assertThat(failure(() -> h.call(h.root, Operation.UPDATE, "sys/capabilities", Map.of("token", "hvs.nope", "path", "x"))).errors())
                .containsExactly("invalid token");
        assertThat(failure(() -> h.call(h.root, Operation.UPDATE, "sys/capabilities-accessor", Map.of("accessor", "nope", "path", "x"))).errors())
                .containsExactly("invalid accessor");
        assertThat(failure(() -> h.call(h.root, Operation.UPDATE, "sys/capabilities-self", Map.of())).errors()).containsExactly("missing path");
        // a non-root token without a grant on sys/capabilities may not probe other tokens
        assertThat(failure(() -> h.call(t, Operation.UPDATE, "sys/capabilities", Map.of("token", h.root, "path", "x"))).code())
                .isEqualTo(ErrorCode.PERMISSION_DENIED);
    }

    @Test
    void policyStoreSeesWritesFromAnotherNodeSharingTheStorage() {
        PolicyStore other = new PolicyStore(h.storage, h.clock);
        h.policy("shared", RULES);
        assertThat(other.get("shared")).isPresent();
        Acl before = other.acl(List.of("shared"));
        assertThat(before.capabilities("secret/data/app/x")).containsExactly("read");
        h.policy("shared", "path \"secret/data/app/*\" { capabilities = [\"deny\"] }");
        // the other node re-validates its cache at most once per second of its clock
        h.advance(java.time.Duration.ofSeconds(2));
        assertThat(other.acl(List.of("shared")).capabilities("secret/data/app/x")).containsExactly("deny");
    }
}
