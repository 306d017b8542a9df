package dev.keyhaven.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.auth.jwt.TestIssuer;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vault login -method=oidc} on the wire, over real HTTP against a real HTTPS provider: the CLI's
 * {@code PUT auth/oidc/oidc/auth_url} (role, redirect_uri on localhost:8250, client_nonce), the browser's trip to the
 * provider and back, and the CLI listener's {@code GET auth/oidc/oidc/callback?state&code&id_token&client_nonce}; both
 * without a token. The audit log holds the code, the client secret and the issued token only as HMACs.
 */
class OidcBrowserLoginTest {
    @TempDir
    static Path dir;
    static AuthServer s;
    static TestIssuer provider;
    static final String SECRET = "fake-oidc-client-secret-" + UUID.randomUUID(); // generated canary

    @BeforeAll
    static void start() {
        provider = TestIssuer.start();
        provider.oidcClient("keyhaven", SECRET);
        provider.signIn(Map.of("sub", "u-42", "email", "ada@example.com", "groups", List.of("ops")));
        s = new AuthServer(dir, "root-" + UUID.randomUUID());
        assertThat(s.rootPost("/v1/sys/audit/file", Map.of("type", "file", "options", Map.of("file_path", dir.resolve("audit.log").toString()))).status())
                .isEqualTo(204);
        s.enable("oidc", "oidc");
        assertThat(s.rootPost("/v1/auth/oidc/config", Map.of("oidc_discovery_url", provider.issuerUrl(), "oidc_discovery_ca_pem", provider.caPem(),
                "oidc_client_id", "keyhaven", "oidc_client_secret", SECRET, "default_role", "engineer")).status()).isBetween(200, 204);
        assertThat(s.rootPost("/v1/auth/oidc/role/engineer", Map.of("user_claim", "email", "allowed_redirect_uris", List.of("http://localhost:8250/oidc/callback"),
                "bound_claims", Map.of("groups", "ops"), "token_policies", "default", "token_ttl", "1h")).status()).isBetween(200, 204);
    }

    @AfterAll
    static void stop() {
        if (s != null) s.close();
    }

    @Test
    void theVaultClisOidcLoginWorksUnchanged() throws Exception {
        String clientNonce = "cn" + UUID.randomUUID().toString().replace("-", "");
        AuthServer.Res start = s.send("PUT", "/v1/auth/oidc/oidc/auth_url", null,
                "{\"role\":\"\",\"redirect_uri\":\"http://localhost:8250/oidc/callback\",\"client_nonce\":\"" + clientNonce + "\"}");
        assertThat(start.status()).as(start.body()).isEqualTo(200);
        String authUrl = (String) start.data().get("auth_url");
        assertThat(authUrl).startsWith(provider.issuerUrl() + "/authorize?");

        HttpResponse<String> browser = provider.trustingClient().send(HttpRequest.newBuilder(URI.create(authUrl)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(browser.statusCode()).isEqualTo(302);
        URI back = URI.create(browser.headers().firstValue("Location").orElseThrow());
        assertThat(back.getHost() + ":" + back.getPort() + back.getPath()).isEqualTo("localhost:8250/oidc/callback");
        Map<String, String> q = new LinkedHashMap<>();
        for (String kv : back.getRawQuery().split("&")) q.put(kv.substring(0, kv.indexOf('=')), URLDecoder.decode(kv.substring(kv.indexOf('=') + 1), StandardCharsets.UTF_8));

        AuthServer.Res done = s.send("GET", "/v1/auth/oidc/oidc/callback?client_nonce=" + clientNonce + "&code=" + URLEncoder.encode(q.get("code"), StandardCharsets.UTF_8)
                + "&id_token=&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8), null, null);
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        String token = (String) done.auth().get("client_token");
        assertThat(done.auth().get("metadata")).isEqualTo(Map.of("role", "engineer"));
        AuthServer.Res self = s.send("GET", "/v1/auth/token/lookup-self", token, null);
        assertThat(self.status()).isEqualTo(200);
        assertThat(self.data().get("display_name")).isEqualTo("oidc-ada@example.com");

        // the same state cannot be replayed
        AuthServer.Res again = s.send("GET", "/v1/auth/oidc/oidc/callback?client_nonce=" + clientNonce + "&code=" + URLEncoder.encode(q.get("code"), StandardCharsets.UTF_8)
                + "&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8), null, null);
        assertThat(again.status()).isEqualTo(400);
        assertThat(again.body()).contains("Vault login failed. Expired or missing OAuth state.");

        // the code, the secret and the token only as HMACs; the user is named (display_name), as in Vault's log
        String audit = Files.readString(dir.resolve("audit.log"));
        assertThat(audit).contains("auth/oidc/oidc/callback").contains("\"display_name\":\"oidc-ada@example.com\"")
                .doesNotContain(q.get("code")).doesNotContain(SECRET).doesNotContain(token);
    }
}
