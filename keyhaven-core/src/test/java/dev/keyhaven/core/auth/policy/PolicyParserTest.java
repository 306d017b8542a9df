package dev.keyhaven.core.auth.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import org.junit.jupiter.api.Test;

class PolicyParserTest {

    @Test
    void hclAndJsonFormsCompileToTheSameRules() {
        Policy hcl = PolicyParser.parse("p", """
                # comment
                path "secret/data/*" {
                  capabilities = ["read", "list"]
                }
                path "/sys/mounts" {
                  policy = "deny"
                }
                """);
        Policy json = PolicyParser.parse("p", """
                {"path": {"secret/data/*": {"capabilities": ["read", "list"]}, "/sys/mounts": {"policy": "deny"}}}
                """);
        assertThat(hcl.paths()).isEqualTo(json.paths());
        assertThat(hcl.paths()).extracting(PathRules::path).containsExactly("secret/data/*", "sys/mounts");
        assertThat(hcl.paths().get(1).capabilities()).isEqualTo(Capability.DENY.bit());
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        assertThatThrownBy(() -> PolicyParser.parse("p", "path \"a\" {\n  capabilities = [\"read\"\n"))
                .isInstanceOf(KeyhavenException.class)
                .hasMessageStartingWith("failed to parse policy: line ");
        assertThatThrownBy(() -> PolicyParser.parse("p", "{\"path\": "))
                .hasMessageStartingWith("failed to parse policy: ");
    }

    @Test
    void unknownCapabilityAndKeysAreRejected() {
        assertThatThrownBy(() -> PolicyParser.parse("p", "path \"a\" { capabilities = [\"reed\"] }"))
                .hasMessage("failed to parse policy: path \"a\": invalid capability \"reed\"");
        assertThatThrownBy(() -> PolicyParser.parse("p", "path \"a\" { capabilites = [\"read\"] }"))
                .hasMessageContaining("invalid key 'capabilites'");
        assertThatThrownBy(() -> PolicyParser.parse("p", "paths \"a\" { capabilities = [\"read\"] }"))
                .hasMessageContaining("invalid key 'paths'");
        assertThatThrownBy(() -> PolicyParser.parse("p", "path \"a\" { policy = \"admin\" }"))
                .hasMessageContaining("invalid policy \"admin\"");
    }

    @Test
    void securityRelevantFieldsWeCannotEnforceAreRejectedNotIgnored() {
        assertThatThrownBy(() -> PolicyParser.parse("p", "path \"a\" {\n capabilities = [\"read\"]\n min_wrapping_ttl = \"1m\"\n}"))
                .hasMessageContaining("'min_wrapping_ttl' is not supported");
        assertThatThrownBy(() -> PolicyParser.parse("p", "path \"a\" {\n capabilities = [\"read\"]\n control_group = {}\n}"))
                .hasMessageContaining("'control_group' is not supported");
    }

    @Test
    void plusStarInTheMiddleIsForbidden() {
        assertThatThrownBy(() -> PolicyParser.parse("p", "path \"a/+*/b\" { capabilities = [\"read\"] }"))
                .hasMessageContaining("'+*' is forbidden");
    }

    @Test
    void templatedIdentityPathsNeverMatch() {
        Policy p = PolicyParser.parse("default", PolicyStore.DEFAULT_POLICY);
        assertThat(p.paths()).extracting(PathRules::path).noneMatch(s -> s.contains("{{"))
                .contains("auth/token/lookup-self", "auth/token/renew-self", "auth/token/revoke-self", "sys/capabilities-self", "cubbyhole/*");
    }

    @Test
    void emptyAndOversizedPoliciesAreRejected() {
        assertThatThrownBy(() -> PolicyParser.parse("p", "  ")).hasMessage("'policy' parameter not supplied or empty");
        assertThatThrownBy(() -> PolicyParser.parse("p", "#".repeat(PolicyParser.MAX_POLICY_BYTES + 1))).hasMessageContaining("larger than");
    }

    @Test
    void parametersAreParsedInBlockAndAttributeForm() {
        Policy p = PolicyParser.parse("p", """
                path "a" {
                  capabilities = ["update"]
                  allowed_parameters {
                    "Color" = ["red"]
                  }
                  denied_parameters = { "x" = [] }
                  required_parameters = ["Owner"]
                }
                """);
        PathRules r = p.paths().get(0);
        assertThat(r.allowedParameters()).containsOnlyKeys("color");
        assertThat(r.deniedParameters()).containsOnlyKeys("x");
        assertThat(r.requiredParameters()).containsExactly("owner");
    }
}
