package dev.keyhaven.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.keyhaven.core.util.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hashicorp/vault-action's request sequence with {@code method: jwt}, replayed over HTTP against a real server:
 * {@code POST v1/auth/<path>/login {"jwt","role"}}, read {@code auth.client_token}, {@code GET v1/secret/data/...}
 * with {@code X-Vault-Token}, then {@code POST v1/auth/token/revoke-self}. The token is a GitHub-shaped JWT signed with
 * a key generated here ({@code jwt_validation_pubkeys}).
 */
class VaultActionJwtLoginTest {
    static final String AUD = "https://keyhaven.example.invalid";
    static final String ISS = "https://token.actions.githubusercontent.com";
    @TempDir
    static Path dir;
    static AuthServer s;
    static RSAKey key;

    @BeforeAll
    static void start() throws Exception {
        s = new AuthServer(dir, "root-" + UUID.randomUUID());
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        s.enable("jwt", "jwt");
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.toRSAPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        assertThat(s.rootPost("/v1/auth/jwt/config", Map.of("jwt_validation_pubkeys", List.of(pem), "bound_issuer", ISS)).status()).isEqualTo(204);
        assertThat(s.rootPost("/v1/auth/jwt/role/deploy", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", AUD,
                "bound_claims", Map.of("repository_id", "2002", "repository_owner_id", "1001"), "token_policies", "deploy", "token_ttl", "10m",
                "token_max_ttl", "15m", "jti_replay_protection", true)).status()).isEqualTo(204);
        assertThat(s.rootPost("/v1/sys/policies/acl/deploy", Map.of("policy", "path \"secret/data/app\" { capabilities = [\"read\"] }")).status()).isEqualTo(204);
        assertThat(s.rootPost("/v1/secret/data/app", Map.of("data", Map.of("password", "kh-test-value"))).status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static String githubJwt(String repoId) throws Exception {
        return githubJwt(key, repoId);
    }

    /** A GitHub Actions-shaped token for {@code repoId}, signed with {@code signer} (kid k1), valid for 5 minutes. */
    static String githubJwt(RSAKey signer, String repoId) throws Exception {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("jti", UUID.randomUUID().toString());
        c.put("sub", "repo:acme/app:ref:refs/heads/main");
        c.put("aud", AUD);
        c.put("repository", "acme/app");
        c.put("repository_id", repoId);
        c.put("repository_owner_id", "1001");
        c.put("run_id", "99");
        c.put("iss", ISS);
        c.put("nbf", now - 600);
        c.put("iat", now);
        c.put("exp", now + 300);
        JWSObject o = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").type(JOSEObjectType.JWT).build(), new Payload(Json.write(c)));
        o.sign(new RSASSASigner(signer));
        return o.serialize();
    }

    @Test
    void vaultActionLoginReadRevokeSequence() throws Exception {
        String jwt = githubJwt("2002");
        AuthServer.Res login = s.send("POST", "/v1/auth/jwt/login", null, "{\"jwt\":\"" + jwt + "\",\"role\":\"deploy\"}",
                "Content-Type", "application/json", "Accept", "application/json");
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json()).containsKeys("request_id", "lease_id", "renewable", "lease_duration", "data", "warnings", "auth");
        String token = (String) login.auth().get("client_token");
        assertThat(token).isNotBlank();
        assertThat(login.auth()).containsEntry("policies", List.of("default", "deploy")).containsEntry("token_type", "service").containsKey("accessor");
        assertThat(login.body()).doesNotContain(jwt);

        AuthServer.Res secret = s.send("GET", "/v1/secret/data/app", token, null);
        assertThat(secret.status()).isEqualTo(200);
        assertThat(((Map<?, ?>) secret.data().get("data")).get("password")).isEqualTo("kh-test-value");
        assertThat(s.send("GET", "/v1/secret/data/other", token, null).status()).isEqualTo(403);

        assertThat(s.send("POST", "/v1/auth/token/revoke-self", token, "").status()).isEqualTo(204);
        assertThat(s.send("GET", "/v1/secret/data/app", token, null).status()).isEqualTo(403);

        AuthServer.Res replay = s.send("POST", "/v1/auth/jwt/login", null, "{\"jwt\":\"" + jwt + "\",\"role\":\"deploy\"}", "Content-Type", "application/json");
        assertThat(replay.status()).isEqualTo(400);
        assertThat(replay.json()).isEqualTo(Map.of("errors", List.of("token already used")));
    }

    @Test
    void wrongRepositoryIsRefusedWithVaultsErrorEnvelope() throws Exception {
        AuthServer.Res r = s.send("POST", "/v1/auth/jwt/login", null, "{\"jwt\":\"" + githubJwt("9999") + "\",\"role\":\"deploy\"}", "Content-Type",
                "application/json");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json()).isEqualTo(Map.of("errors", List.of("error validating claims: claim \"repository_id\" does not match any associated bound claim values")));
    }

    @Test
    void roleAndConfigEndpointsNeedAToken() {
        assertThat(s.send("GET", "/v1/auth/jwt/role/deploy", null, null).status()).isEqualTo(403);
        assertThat(s.send("GET", "/v1/auth/jwt/config", null, null).status()).isEqualTo(403);
        assertThat(s.send("GET", "/v1/auth/jwt/role/deploy", s.root, null).data()).containsEntry("role_type", "jwt");
        assertThat(s.send("LIST", "/v1/auth/jwt/role", s.root, null).data()).containsEntry("keys", List.of("deploy"));
    }
}
