package dev.keyhaven.core.auth.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.Operation;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Pins Vault's path matching and priority rules (docs "Policies" concept page, vault/acl.go). */
class AclPriorityTest {

    private static Acl acl(String... policies) {
        List<Policy> ps = new java.util.ArrayList<>();
        for (int i = 0; i < policies.length; i++) ps.add(PolicyParser.parse("p" + i, policies[i]));
        return Acl.compile(ps);
    }

    private static String path(String pattern, String caps) {
        return "path \"" + pattern + "\" { capabilities = [" + caps + "] }\n";
    }

    static Stream<Arguments> winners() {
        return Stream.of(
                // docs: exact match beats a glob that also matches
                Arguments.of(path("secret/*", "\"create\"") + path("secret/foo", "\"read\""), "secret/foo", List.of("read")),
                // longest glob prefix wins among globs
                Arguments.of(path("secret/*", "\"deny\"") + path("secret/app/*", "\"read\""), "secret/app/x", List.of("read")),
                Arguments.of(path("secret/*", "\"deny\"") + path("secret/app/*", "\"read\""), "secret/other", List.of("deny")),
                // * is a plain prefix: it also matches inside a segment and across segments
                Arguments.of(path("secret/ap*", "\"read\""), "secret/app/deep/x", List.of("read")),
                // rule 1: the pattern whose first wildcard comes later wins
                Arguments.of(path("secret/+/x/y", "\"read\"") + path("secret/a/+/y", "\"update\""), "secret/a/x/y", List.of("update")),
                Arguments.of(path("secret/+/*", "\"read\"") + path("secret/a/*", "\"list\""), "secret/a/b", List.of("list")),
                // rule 2: with the wildcard at the same place, a pattern not ending in * wins
                Arguments.of(path("secret/a/+", "\"read\"") + path("secret/a/*", "\"update\""), "secret/a/b", List.of("read")),
                // rule 3: fewer + segments win
                Arguments.of(path("secret/+/b/c", "\"read\"") + path("secret/+/+/c", "\"update\""), "secret/a/b/c", List.of("read")),
                // rule 4: the longer pattern wins
                Arguments.of(path("secret/+/foo*", "\"read\"") + path("secret/+/f*", "\"update\""), "secret/x/food", List.of("read")),
                // + matches exactly one segment
                Arguments.of(path("secret/+/config", "\"read\""), "secret/a/config", List.of("read")),
                Arguments.of(path("secret/+/config", "\"read\""), "secret/a/b/config", List.of("deny")),
                Arguments.of(path("+/config", "\"read\""), "kv/config", List.of("read")),
                // + followed by a glob matches deeper paths
                Arguments.of(path("secret/+/*", "\"read\""), "secret/a/b/c", List.of("read")),
                Arguments.of(path("secret/+/*", "\"read\""), "secret/a", List.of("deny")),
                // no rule means deny
                Arguments.of(path("secret/a", "\"read\""), "secret/b", List.of("deny")),
                // capabilities are reported sorted
                Arguments.of(path("s/x", "\"update\", \"read\", \"list\", \"sudo\""), "s/x", List.of("list", "read", "sudo", "update")),
                // legacy policy = "write"
                Arguments.of("path \"s/*\" { policy = \"write\" }", "s/x", List.of("create", "delete", "list", "read", "update")),
                Arguments.of("path \"s/*\" { policy = \"read\" }", "s/x", List.of("list", "read")));
    }

    @ParameterizedTest(name = "[{index}] {1} → {2}")
    @MethodSource("winners")
    void highestPriorityRuleDecides(String policy, String path, List<String> expected) {
        assertThat(acl(policy).capabilities(path)).isEqualTo(expected);
    }

    @Test
    void sameStanzaInTwoPoliciesUnionsCapabilities() {
        Acl a = acl(path("s/x", "\"read\""), path("s/x", "\"update\""));
        assertThat(a.capabilities("s/x")).containsExactly("read", "update");
    }

    @Test
    void denyInAnyPolicyForTheSamePathWinsRegardlessOfOrder() {
        assertThat(acl(path("s/*", "\"read\""), path("s/*", "\"deny\"")).capabilities("s/x")).containsExactly("deny");
        assertThat(acl(path("s/*", "\"deny\""), path("s/*", "\"read\"")).capabilities("s/x")).containsExactly("deny");
    }

    @Test
    void listMatchesRulesWrittenWithOrWithoutTrailingSlash() {
        Acl exact = acl(path("secret/metadata/app", "\"list\""));
        assertThat(exact.check(Operation.LIST, Capability.LIST.bit(), "secret/metadata/app/", Map.of()).allowed()).isTrue();
        Acl wildcard = acl(path("+/metadata/app", "\"list\""));
        assertThat(wildcard.check(Operation.LIST, Capability.LIST.bit(), "secret/metadata/app/", Map.of()).allowed()).isTrue();
        // but a read of that path with a trailing slash is not widened
        assertThat(exact.check(Operation.READ, Capability.READ.bit(), "secret/metadata/app/", Map.of()).allowed()).isFalse();
    }

    @Test
    void rootPolicyAllowsEverythingWithSudo() {
        Acl root = Acl.compile(List.of(new Policy("root", "", List.of())));
        assertThat(root.isRoot()).isTrue();
        Acl.Decision d = root.check(Operation.DELETE, Capability.DELETE.bit(), "sys/anything", Map.of());
        assertThat(d.allowed()).isTrue();
        assertThat(d.sudo()).isTrue();
        assertThat(root.capabilities("x")).containsExactly("root");
    }

    @Test
    void sudoIsReportedOnlyFromTheMatchedRule() {
        Acl a = acl(path("sys/*", "\"read\", \"sudo\"") + path("sys/audit", "\"read\""));
        assertThat(a.check(Operation.READ, Capability.READ.bit(), "sys/mounts", Map.of()).sudo()).isTrue();
        assertThat(a.check(Operation.READ, Capability.READ.bit(), "sys/audit", Map.of()).sudo()).isFalse();
    }

    @Test
    void allowedParametersMergeAsAUnionAcrossPolicies() {
        String p1 = "path \"s/x\" { capabilities = [\"update\"]\n allowed_parameters = { \"a\" = [] } }";
        String p2 = "path \"s/x\" { capabilities = [\"update\"]\n allowed_parameters = { \"b\" = [\"1\"] } }";
        Acl a = acl(p1, p2);
        assertThat(a.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of("a", "z", "b", "1")).allowed()).isTrue();
        assertThat(a.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of("b", "2")).allowed()).isFalse();
        assertThat(a.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of("c", "1")).allowed()).isFalse();
        // a policy without restrictions on the same path lifts them
        Acl open = acl(p1, path("s/x", "\"update\""));
        assertThat(open.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of("c", "1")).allowed()).isTrue();
    }

    @Test
    void deniedParameterWildcardDeniesAnyNonEmptyBody() {
        Acl a = acl("path \"s/x\" { capabilities = [\"update\"]\n denied_parameters = { \"*\" = [] } }");
        assertThat(a.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of("k", "v")).allowed()).isFalse();
        assertThat(a.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of()).allowed()).isTrue();
    }

    @Test
    void listValuedParametersMustHaveEveryElementAllowed() {
        Acl a = acl("path \"s/x\" { capabilities = [\"update\"]\n allowed_parameters = { \"tags\" = [\"a\", \"b\"] } }");
        assertThat(a.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of("tags", List.of("a", "b"))).allowed()).isTrue();
        assertThat(a.check(Operation.UPDATE, Capability.UPDATE.bit(), "s/x", Map.of("tags", List.of("a", "evil"))).allowed()).isFalse();
    }
}
