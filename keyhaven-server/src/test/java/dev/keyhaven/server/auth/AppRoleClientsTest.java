package dev.keyhaven.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.vault.authentication.AppRoleAuthentication;
import org.springframework.vault.authentication.AppRoleAuthenticationOptions;
import org.springframework.vault.authentication.AppRoleAuthenticationOptions.RoleId;
import org.springframework.vault.authentication.AppRoleAuthenticationOptions.SecretId;
import org.springframework.vault.authentication.SimpleSessionManager;
import org.springframework.vault.client.VaultClients;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.support.VaultResponse;
import org.springframework.vault.support.VaultToken;
import org.springframework.web.client.RestTemplate;

/** AppRole against a real server: Spring Vault's AppRoleAuthentication (provided and pull modes) and node-vault's approleLogin request. */
class AppRoleClientsTest {
    @TempDir
    static Path dir;
    static AuthServer s;
    static String roleId;

    @BeforeAll
    static void start() {
        s = new AuthServer(dir, "root-" + UUID.randomUUID());
        s.enable("approle", "approle");
        assertThat(s.rootPost("/v1/auth/approle/role/app", Map.of("token_policies", "app", "token_ttl", "20m", "token_max_ttl", "1h")).status()).isBetween(200, 204);
        assertThat(s.rootPost("/v1/sys/policies/acl/app", Map.of("policy", "path \"secret/data/app\" { capabilities = [\"read\"] }")).status()).isEqualTo(204);
        assertThat(s.rootPost("/v1/secret/data/app", Map.of("data", Map.of("user", "svc"))).status()).isEqualTo(200);
        roleId = (String) s.send("GET", "/v1/auth/approle/role/app/role-id", s.root, null).data().get("role_id");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static String newSecretId() {
        return (String) s.rootPost("/v1/auth/approle/role/app/secret-id", Map.of()).data().get("secret_id");
    }

    static RestTemplate rest() {
        return VaultClients.createRestTemplate(VaultEndpoint.from(URI.create(s.url)), new SimpleClientHttpRequestFactory());
    }

    @Test
    void springVaultAppRoleWithProvidedIdsLogsInAndReadsASecret() {
        AppRoleAuthenticationOptions opts = AppRoleAuthenticationOptions.builder().roleId(RoleId.provided(roleId)).secretId(SecretId.provided(newSecretId())).build();
        VaultToken token = new AppRoleAuthentication(opts, rest()).login();
        assertThat(token.getToken()).isNotBlank();
        VaultTemplate vault = new VaultTemplate(VaultEndpoint.from(URI.create(s.url)), new SimpleClientHttpRequestFactory(),
                new SimpleSessionManager(() -> token));
        VaultResponse r = vault.read("secret/data/app");
        assertThat(r).isNotNull();
        assertThat(r.getData()).containsKey("data");
    }

    @Test
    void springVaultAppRolePullModeFetchesRoleIdAndSecretIdWithAnInitialToken() {
        AppRoleAuthenticationOptions opts = AppRoleAuthenticationOptions.builder().appRole("app").roleId(RoleId.pull(VaultToken.of(s.root)))
                .secretId(SecretId.pull(VaultToken.of(s.root))).build();
        VaultToken token = new AppRoleAuthentication(opts, rest()).login();
        assertThat(s.send("GET", "/v1/auth/token/lookup-self", token.getToken(), null).data()).containsEntry("policies", List.of("app", "default"))
                .containsEntry("path", "auth/approle/login");
    }

    @Test
    void nodeVaultApproleLoginRequestShape() {
        // node-vault: POST /v1/auth/approle/login, JSON body {role_id, secret_id}, no token header; the client keeps auth.client_token.
        AuthServer.Res r = s.send("POST", "/v1/auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + newSecretId() + "\"}",
                "Content-Type", "application/json", "Accept", "application/json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.auth()).containsKeys("client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration", "renewable");
        assertThat(r.auth().get("metadata")).isEqualTo(Map.of("role_name", "app"));
        assertThat(r.auth().get("lease_duration")).isEqualTo(1200);
        AuthServer.Res bad = s.send("POST", "/v1/auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"nope\"}", "Content-Type",
                "application/json");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json()).isEqualTo(Map.of("errors", List.of("invalid role or secret ID")));
    }
}
