package dev.keyhaven.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renewing a login token re-reads the role that issued it, over real HTTP (Vault's {@code pathLoginRenew} of the
 * approle and jwt methods): its current {@code token_ttl}, {@code token_max_ttl} and {@code token_period} apply, and a
 * deleted role refuses the renewal with 400 {@code role … does not exist during renewal}.
 */
class LoginRenewalTest {
    @TempDir
    static Path dir;
    static AuthServer s;
    static com.nimbusds.jose.jwk.RSAKey key;

    @BeforeAll
    static void start() throws Exception {
        s = new AuthServer(dir, "root-" + UUID.randomUUID());
        s.enable("approle", "approle");
        s.enable("jwt", "jwt");
        key = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("k1").generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder().encodeToString(key.toRSAPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        assertThat(s.rootPost("/v1/auth/jwt/config", Map.of("jwt_validation_pubkeys", List.of(pem), "bound_issuer", VaultActionJwtLoginTest.ISS)).status())
                .isEqualTo(204);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static AuthServer.Res renewSelf(String token, String increment) {
        return s.send("POST", "/v1/auth/token/renew-self", token, increment == null ? "{}" : "{\"increment\":\"" + increment + "\"}",
                "Content-Type", "application/json");
    }

    static long lease(AuthServer.Res r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return ((Number) r.auth().get("lease_duration")).longValue();
    }

    static String approleLogin(String role) {
        String roleId = (String) s.send("GET", "/v1/auth/approle/role/" + role + "/role-id", s.root, null).data().get("role_id");
        String secretId = (String) s.rootPost("/v1/auth/approle/role/" + role + "/secret-id", Map.of()).data().get("secret_id");
        AuthServer.Res r = s.send("POST", "/v1/auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}",
                "Content-Type", "application/json");
        assertThat(r.status()).isEqualTo(200);
        return (String) r.auth().get("client_token");
    }

    @Test
    void theRolesMaxTtlIsReadAgainButTheExplicitMaxTtlIsTheTokensOwn() {
        // Vault's CalculateTTL on renewal: the role's token_max_ttl as it is now, the token's explicit max as at login
        assertThat(s.rootPost("/v1/auth/approle/role/capped", Map.of("token_policies", "default", "token_ttl", "10m", "token_max_ttl", "20m")).status())
                .isBetween(200, 204);
        String grows = approleLogin("capped");
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", grows, null).data()).containsEntry("explicit_max_ttl", 0);
        assertThat(s.rootPost("/v1/auth/approle/role/capped", Map.of("token_max_ttl", "2h")).status()).isBetween(200, 204);
        AuthServer.Res longer = renewSelf(grows, "1h");
        assertThat(lease(longer)).isEqualTo(3600); // the role's max grew after the login: the token may grow too
        assertThat(longer.body()).doesNotContain("exceeded the effective max_ttl");

        assertThat(s.rootPost("/v1/auth/approle/role/capped", Map.of("token_explicit_max_ttl", "30m")).status()).isBetween(200, 204);
        String bounded = approleLogin("capped");
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", bounded, null).data()).containsEntry("explicit_max_ttl", 1800);
        assertThat(s.rootPost("/v1/auth/approle/role/capped", Map.of("token_explicit_max_ttl", "0", "token_max_ttl", "3h")).status()).isBetween(200, 204);
        AuthServer.Res still = renewSelf(bounded, "1h");
        assertThat(lease(still)).isBetween(1700L, 1800L); // the token keeps the explicit max it was issued with
        assertThat(still.body()).contains("exceeded the effective max_ttl");
    }

    @Test
    void approleRenewalTakesTheRolesCurrentTtlsAndFailsOnceTheRoleIsDeleted() {
        assertThat(s.rootPost("/v1/auth/approle/role/renewer", Map.of("token_policies", "default", "token_ttl", "20m", "token_max_ttl", "1h")).status())
                .isBetween(200, 204);
        String token = approleLogin("renewer");
        assertThat(lease(renewSelf(token, null))).isEqualTo(1200);

        // the role's TTLs shrink: the next renewal of a token issued before uses them, and its max counts from its login
        assertThat(s.rootPost("/v1/auth/approle/role/renewer", Map.of("token_ttl", "2m", "token_max_ttl", "5m")).status()).isBetween(200, 204);
        assertThat(lease(renewSelf(token, null))).isEqualTo(120);
        AuthServer.Res capped = renewSelf(token, "1h");
        assertThat(lease(capped)).isBetween(240L, 300L);
        assertThat(capped.body()).contains("exceeded the effective max_ttl");

        // a period on the role makes the token periodic at its next renewal
        assertThat(s.rootPost("/v1/auth/approle/role/renewer", Map.of("token_period", "7m", "token_max_ttl", "0")).status()).isBetween(200, 204);
        assertThat(lease(renewSelf(token, "1h"))).isEqualTo(420);
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", token, null).data()).containsEntry("period", 420);

        assertThat(s.send("DELETE", "/v1/auth/approle/role/renewer", s.root, null).status()).isEqualTo(204);
        AuthServer.Res gone = renewSelf(token, null);
        assertThat(gone.status()).isEqualTo(400);
        assertThat(gone.json()).isEqualTo(Map.of("errors", List.of("role \"renewer\" does not exist during renewal")));
    }

    @Test
    void jwtRenewalTakesTheRolesCurrentTtlsAndFailsOnceTheRoleIsDeleted() throws Exception {
        assertThat(s.rootPost("/v1/auth/jwt/role/ci", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", VaultActionJwtLoginTest.AUD,
                "bound_claims", Map.of("repository_id", "2002"), "token_policies", "default", "token_ttl", "10m", "token_max_ttl", "15m")).status())
                .isBetween(200, 204);
        AuthServer.Res login = s.send("POST", "/v1/auth/jwt/login", null,
                "{\"role\":\"ci\",\"jwt\":\"" + VaultActionJwtLoginTest.githubJwt(key, "2002") + "\"}", "Content-Type", "application/json");
        assertThat(login.status()).as(login.body()).isEqualTo(200);
        String token = (String) login.auth().get("client_token");
        assertThat(lease(renewSelf(token, null))).isEqualTo(600);

        assertThat(s.rootPost("/v1/auth/jwt/role/ci", Map.of("token_ttl", "1m")).status()).isBetween(200, 204);
        assertThat(lease(renewSelf(token, null))).isEqualTo(60);
        // by accessor, as an operator would
        String accessor = (String) login.auth().get("accessor");
        AuthServer.Res byAccessor = s.send("POST", "/v1/auth/token/renew-accessor", s.root, "{\"accessor\":\"" + accessor + "\"}",
                "Content-Type", "application/json");
        assertThat(lease(byAccessor)).isEqualTo(60);

        assertThat(s.send("DELETE", "/v1/auth/jwt/role/ci", s.root, null).status()).isEqualTo(204);
        AuthServer.Res gone = renewSelf(token, null);
        assertThat(gone.status()).isEqualTo(400);
        assertThat(gone.json()).isEqualTo(Map.of("errors", List.of("role ci does not exist during renewal")));
        // a refused renewal does not revoke: the token lives out its current lease
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", token, null).status()).isEqualTo(200);
    }

    @Test
    void tokensMadeAtTheTokenMethodRenewAsBefore() {
        AuthServer.Res made = s.send("POST", "/v1/auth/token/create", s.root, "{\"ttl\":\"30m\",\"policies\":[\"default\"]}", "Content-Type",
                "application/json");
        String token = (String) made.auth().get("client_token");
        assertThat(lease(renewSelf(token, null))).isEqualTo(1800);
    }

    @Test
    void disablingAnAuthMethodRevokesTheTokensIssuedThroughIt() {
        s.enable("approle-gone", "approle");
        s.enable("approle-kept", "approle");
        assertThat(s.rootPost("/v1/sys/policies/acl/child-maker", Map.of("policy", "path \"auth/token/create\" { capabilities = [\"update\"] }")).status())
                .isEqualTo(204);
        for (String m : List.of("approle-gone", "approle-kept")) {
            assertThat(s.rootPost("/v1/auth/" + m + "/role/svc", Map.of("token_policies", "default,child-maker", "token_ttl", "20m")).status())
                    .isBetween(200, 204);
        }
        String gone = approleLoginAt("approle-gone");
        String kept = approleLoginAt("approle-kept");
        AuthServer.Res child = s.send("POST", "/v1/auth/token/create", gone, "{\"policies\":[\"default\"]}", "Content-Type", "application/json");
        assertThat(child.status()).isEqualTo(200);
        String childToken = (String) child.auth().get("client_token");

        assertThat(s.send("DELETE", "/v1/sys/auth/approle-gone", s.root, null).status()).isEqualTo(204);
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", gone, null).status()).isEqualTo(403);
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", childToken, null).status()).isEqualTo(403);
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", kept, null).status()).isEqualTo(200);
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", s.root, null).status()).isEqualTo(200);
    }

    static String approleLoginAt(String mount) {
        String roleId = (String) s.send("GET", "/v1/auth/" + mount + "/role/svc/role-id", s.root, null).data().get("role_id");
        String secretId = (String) s.rootPost("/v1/auth/" + mount + "/role/svc/secret-id", Map.of()).data().get("secret_id");
        AuthServer.Res r = s.send("POST", "/v1/auth/" + mount + "/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}",
                "Content-Type", "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return (String) r.auth().get("client_token");
    }
}
