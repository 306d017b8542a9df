package dev.keyhaven.core.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The browser OIDC flow against a real HTTPS provider ({@link TestIssuer}: discovery, JWKS, an authorization endpoint
 * that signs the user in at once, a token endpoint that checks the client secret and PKCE): {@code oidc/auth_url}, the
 * browser's visit to the provider, and {@code oidc/callback} with what the vault CLI's listener passes on.
 */
class OidcFlowTest {
    static TestIssuer issuer;
    static final String CLIENT = "keyhaven-test-client";
    static final String SECRET = "fake-oidc-client-secret-" + UUID.randomUUID(); // generated: a canary, not a credential
    static final String CLI_REDIRECT = "http://localhost:8250/oidc/callback";

    @BeforeAll
    static void provider() {
        issuer = TestIssuer.start();
        issuer.oidcClient(CLIENT, SECRET);
    }

    static JwtHarness configured() {
        JwtHarness h = new JwtHarness();
        h.write("config", Map.of("oidc_discovery_url", issuer.issuerUrl(), "oidc_discovery_ca_pem", issuer.caPem(), "oidc_client_id", CLIENT,
                "oidc_client_secret", SECRET, "default_role", "ops"));
        Map<String, Object> role = new LinkedHashMap<>();
        role.put("user_claim", "email");
        role.put("allowed_redirect_uris", List.of(CLI_REDIRECT, "https://vault.example.com/ui/vault/auth/oidc/oidc/callback"));
        role.put("bound_claims", Map.of("groups", List.of("ops", "sre")));
        role.put("claim_mappings", Map.of("email", "email"));
        role.put("oidc_scopes", List.of("profile", "email"));
        role.put("token_policies", List.of("ops"));
        role.put("token_ttl", "10m");
        h.write("role/ops", role);
        issuer.signIn(Map.of("sub", "u-42", "email", "ada@example.com", "groups", List.of("ops")));
        issuer.tweakIdToken(c -> c);
        return h;
    }

    static String authUrl(JwtHarness h, String redirect, String clientNonce) {
        Response r = h.write("oidc/auth_url", Map.of("role", "ops", "redirect_uri", redirect, "client_nonce", clientNonce));
        return (String) r.data().get("auth_url");
    }

    /** The browser: follows the authorization URL to the provider and returns the query of where it is sent back. */
    static Map<String, String> browse(String authUrl) throws Exception {
        HttpClient browser = Https.client(issuer.caPem());
        HttpResponse<String> r = browser.send(HttpRequest.newBuilder(URI.create(authUrl)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        return query(URI.create(r.headers().firstValue("Location").orElseThrow()).getRawQuery());
    }

    static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            m.put(URLDecoder.decode(kv.substring(0, i), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    /** What the vault CLI's callback listener sends: GET auth/MOUNT/oidc/callback?state&code&id_token&client_nonce. */
    static Response callback(JwtHarness h, Map<String, String> back, String clientNonce) {
        return h.call(Operation.READ, "oidc/callback", Map.of("state", back.get("state"), "code", back.get("code"), "id_token", "", "client_nonce", clientNonce));
    }

    static String error(JwtHarness h, Map<String, String> back, String clientNonce) {
        try {
            callback(h, back, clientNonce);
        } catch (KeyhavenException e) {
            assertThat(e.code().httpStatus()).isEqualTo(400);
            return String.join("; ", e.errors());
        }
        throw new AssertionError("expected the callback to fail");
    }

    @Test
    void aBrowserLoginGetsATokenForTheRole() throws Exception {
        try (JwtHarness h = configured()) {
            // the vault CLI listens on any free port: loopback redirect URIs match whatever the port
            String url = authUrl(h, "http://localhost:51234/oidc/callback", "cn-1");
            Map<String, String> asked = query(URI.create(url).getRawQuery());
            assertThat(url).startsWith(issuer.issuerUrl() + "/authorize?");
            assertThat(asked).containsEntry("client_id", CLIENT).containsEntry("response_type", "code").containsEntry("scope", "openid profile email")
                    .containsEntry("redirect_uri", "http://localhost:51234/oidc/callback").containsEntry("code_challenge_method", "S256")
                    .containsKeys("state", "nonce", "code_challenge");
            assertThat(url).doesNotContain(SECRET);

            Map<String, String> back = browse(url);
            assertThat(back.get("state")).isEqualTo(asked.get("state"));
            Response r = callback(h, back, "cn-1");
            assertThat(r.auth()).containsKeys("client_token", "accessor");
            assertThat(String.valueOf(r.auth().get("policies"))).contains("ops");
            @SuppressWarnings("unchecked")
            Map<String, Object> metadata = (Map<String, Object>) r.auth().get("metadata");
            assertThat(metadata).containsEntry("role", "ops").containsEntry("email", "ada@example.com");
            assertThat(h.lastEvent().success()).isTrue();
            assertThat(h.lastEvent().role()).isEqualTo("ops");
            // the provider saw the PKCE verifier and the same redirect URI; the secret went in the Authorization header only
            assertThat(issuer.lastTokenRequest).containsEntry("redirect_uri", "http://localhost:51234/oidc/callback").containsKey("code_verifier")
                    .doesNotContainValue(SECRET);
        }
    }

    @Test
    void aStateIsGoodForOneCallbackWithinTenMinutes() throws Exception {
        try (JwtHarness h = configured()) {
            Map<String, String> back = browse(authUrl(h, CLI_REDIRECT, "cn-2"));
            callback(h, back, "cn-2");
            assertThat(error(h, back, "cn-2")).isEqualTo("Vault login failed. Expired or missing OAuth state.");

            Map<String, String> late = browse(authUrl(h, CLI_REDIRECT, "cn-3"));
            h.clock.advance(Duration.ofMinutes(11));
            assertThat(error(h, late, "cn-3")).isEqualTo("Vault login failed. Expired or missing OAuth state.");
            assertThat(error(h, Map.of("state", "st_made-up", "code", "x"), "")).isEqualTo("Vault login failed. Expired or missing OAuth state.");
        }
    }

    @Test
    void theCallbackMustComeFromTheClientThatStartedTheLogin() throws Exception {
        try (JwtHarness h = configured()) {
            Map<String, String> back = browse(authUrl(h, CLI_REDIRECT, "cn-4"));
            assertThat(error(h, back, "someone-else")).isEqualTo("invalid client_nonce");
            assertThat(h.lastEvent().success()).isFalse();
        }
    }

    @Test
    void anIdTokenThatDoesNotBelongToThisLoginIsRefused() throws Exception {
        try (JwtHarness h = configured()) {
            issuer.tweakIdToken(c -> with(c, "nonce", "n_from-another-login"));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), "")).isEqualTo("Vault login failed. Error exchanging oidc code: \"invalid id_token nonce\".");
            issuer.tweakIdToken(c -> with(c, "aud", "another-client"));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), "")).contains("Error exchanging oidc code").contains("invalid audience (aud) claim");
            issuer.tweakIdToken(c -> with(c, "aud", List.of(CLIENT, "another-client")));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), "")).contains("authorized party (azp) is not this client");
            issuer.tweakIdToken(c -> with(c, "exp", ((Number) c.get("iat")).longValue() - 3600));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), "")).contains("token is expired");
            issuer.tweakIdToken(c -> with(c, "iss", "https://evil.example.com"));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), "")).contains("invalid issuer (iss) claim");
        }
    }

    @Test
    void theRolesBindingsApplyToTheSignedInUser() throws Exception {
        try (JwtHarness h = configured()) {
            issuer.signIn(Map.of("sub", "u-7", "email", "eve@example.com", "groups", List.of("dev")));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), ""))
                    .isEqualTo("error validating claims: claim \"groups\" does not match any associated bound claim values");
            issuer.signIn(Map.of("sub", "u-8", "groups", List.of("ops")));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), "")).isEqualTo("claim \"email\" not found in token");
            h.write("role/ops", Map.of("bound_subject", "u-1"));
            issuer.signIn(Map.of("sub", "u-9", "email", "bob@example.com", "groups", List.of("ops")));
            assertThat(error(h, browse(authUrl(h, CLI_REDIRECT, "")), "")).isEqualTo("error validating claims: sub claim does not match bound subject");
        }
    }

    @Test
    void aWrongClientSecretIsReportedWithoutTheSecret() throws Exception {
        try (JwtHarness h = configured()) {
            String wrong = "fake-wrong-secret-" + UUID.randomUUID();
            h.write("config", Map.of("oidc_discovery_url", issuer.issuerUrl(), "oidc_discovery_ca_pem", issuer.caPem(), "oidc_client_id", CLIENT,
                    "oidc_client_secret", wrong));
            String e = error(h, browse(authUrl(h, CLI_REDIRECT, "")), "");
            assertThat(e).isEqualTo("Vault login failed. Error exchanging oidc code: \"oauth2: \"invalid_client\" \"client authentication failed\"\".");
            assertThat(e).doesNotContain(wrong).doesNotContain(SECRET);
            assertThat(h.lastEvent().error()).doesNotContain(wrong);
        }
    }

    @Test
    void authUrlRefusesWhatVaultRefuses() {
        try (JwtHarness h = configured()) {
            // an unlisted redirect gets an empty auth_url, as in Vault (the CLI then reports the role and redirect_uri)
            Response r = h.write("oidc/auth_url", Map.of("role", "ops", "redirect_uri", "https://attacker.example.com/cb"));
            assertThat(r.data()).containsEntry("auth_url", "");
            assertThat(r.warnings()).containsExactly("unauthorized redirect_uri: https://attacker.example.com/cb");
            assertThat(h.write("oidc/auth_url", Map.of("role", "ops", "redirect_uri", "http://localhost.attacker.example.com:8250/oidc/callback"))
                    .data()).containsEntry("auth_url", "");
            assertThat(h.error(Operation.UPDATE, "oidc/auth_url", Map.of("role", "ops")).errors()).containsExactly("missing redirect_uri");
            assertThat(h.error(Operation.UPDATE, "oidc/auth_url", Map.of("role", "nope", "redirect_uri", CLI_REDIRECT)).errors())
                    .containsExactly("role \"nope\" could not be found");
            // the default role stands in for a missing one
            assertThat((String) h.write("oidc/auth_url", Map.of("redirect_uri", CLI_REDIRECT)).data().get("auth_url")).startsWith(issuer.issuerUrl());
            h.write("role/ci", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", List.of("x")));
            assertThat(h.error(Operation.UPDATE, "oidc/auth_url", Map.of("role", "ci", "redirect_uri", CLI_REDIRECT)).errors())
                    .containsExactly("role with jwt role_type is not allowed");
            h.write("config", Map.of("oidc_discovery_url", issuer.issuerUrl(), "oidc_discovery_ca_pem", issuer.caPem()));
            assertThat(h.error(Operation.UPDATE, "oidc/auth_url", Map.of("role", "ops", "redirect_uri", CLI_REDIRECT)).errors())
                    .containsExactly("OIDC login is not configured for this mount");
        }
    }

    @Test
    void loopbackRedirectsMatchOnAnyPortOthersExactly() {
        List<String> allowed = List.of("http://localhost:8250/oidc/callback", "https://vault.example.com/ui/vault/auth/oidc/oidc/callback");
        assertThat(OidcFlow.validRedirect("http://localhost:61000/oidc/callback", allowed)).isTrue();
        assertThat(OidcFlow.validRedirect("http://localhost/oidc/callback", allowed)).isTrue();
        assertThat(OidcFlow.validRedirect("http://localhost:8250/other", allowed)).isFalse();
        assertThat(OidcFlow.validRedirect("https://localhost:8250/oidc/callback", allowed)).isFalse();
        assertThat(OidcFlow.validRedirect("https://vault.example.com/ui/vault/auth/oidc/oidc/callback", allowed)).isTrue();
        assertThat(OidcFlow.validRedirect("https://vault.example.com:8443/ui/vault/auth/oidc/oidc/callback", allowed)).isFalse();
        assertThat(OidcFlow.validRedirect("http://127.0.0.1:8250/oidc/callback", allowed)).isFalse(); // another host name
        assertThat(OidcFlow.validRedirect("not a uri", allowed)).isFalse();
    }

    private static Map<String, Object> with(Map<String, Object> claims, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(claims);
        m.put(key, value);
        return m;
    }
}
