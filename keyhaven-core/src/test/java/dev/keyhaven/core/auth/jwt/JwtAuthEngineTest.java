package dev.keyhaven.core.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JwtAuthEngineTest {
    static final String AUD = "https://keyhaven.example.invalid";
    static TestIssuer issuer;

    @BeforeAll
    static void start() {
        issuer = TestIssuer.start();
    }

    static Map<String, Object> githubRole() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("role_type", "jwt");
        r.put("user_claim", "sub");
        r.put("bound_audiences", List.of(AUD));
        r.put("bound_claims", Map.of("repository_id", "2002", "repository_owner_id", "1001", "job_workflow_ref",
                "acme/app/.github/workflows/deploy.yml@refs/heads/main"));
        r.put("claim_mappings", Map.of("repository", "repository", "ref", "ref", "sha", "sha", "run_id", "run_id", "workflow_ref", "workflow_ref",
                "event_name", "event_name"));
        r.put("token_policies", List.of("deploy"));
        r.put("token_no_default_policy", true);
        r.put("token_ttl", "10m");
        r.put("token_max_ttl", "15m");
        return r;
    }

    @Test
    void githubTokenLogsInWithVaultsAuthBlockAndAUsableToken() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            h.write("role/deploy", githubRole());
            Response r = h.login("deploy", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD)));
            Map<String, Object> auth = r.auth();
            assertThat(auth).containsKeys("client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration", "renewable",
                    "entity_id", "token_type", "orphan");
            assertThat(auth.get("policies")).isEqualTo(List.of("deploy"));
            assertThat(auth.get("lease_duration")).isEqualTo(600L);
            assertThat(auth.get("renewable")).isEqualTo(true);
            assertThat(auth.get("orphan")).isEqualTo(true);
            @SuppressWarnings("unchecked")
            Map<String, Object> md = (Map<String, Object>) auth.get("metadata");
            assertThat(md).containsEntry("role", "deploy").containsEntry("repository", "acme/app").containsEntry("run_id", "4242")
                    .containsEntry("event_name", "push").containsEntry("ref", "refs/heads/main");
            TokenEntry te = h.auth.tokenStore().lookup((String) auth.get("client_token")).orElseThrow();
            assertThat(te.policies()).containsExactly("deploy");
            assertThat(te.path()).isEqualTo("auth/jwt/login");
            assertThat(te.entityAlias()).isEqualTo("repo:acme/app:ref:refs/heads/main");
            assertThat(te.maxExpireAt() - te.creationTime()).isEqualTo(900);
            assertThat(h.lastEvent().success()).isTrue();
            assertThat(h.lastEvent().tokenAccessor()).isEqualTo(auth.get("accessor"));
            assertThat(h.lastEvent().claims()).containsEntry("repository", "acme/app").containsEntry("run_id", "4242").containsEntry("sha",
                    "0123456789abcdef0123456789abcdef01234567").containsEntry("event_name", "push").containsKey("jti");
            assertThat(h.lastEvent().credentialHmac()).startsWith("hmac-sha256:");
        }
    }

    @Test
    void wrongRepositoryExpiredAndWrongAudienceTokensAreRefused() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            h.write("role/deploy", githubRole());
            Map<String, Object> other = issuer.github(h.clock.instant(), "acme/other", AUD);
            other.put("repository_id", "7777");
            other.put("job_workflow_ref", "acme/other/.github/workflows/deploy.yml@refs/heads/main");
            assertThat(h.loginError("deploy", issuer.mint(other)).errors().get(0)).startsWith("error validating claims: claim \"job_workflow_ref\"");
            Map<String, Object> wrongAud = issuer.github(h.clock.instant(), "acme/app", "sts.amazonaws.com");
            assertThat(h.loginError("deploy", issuer.mint(wrongAud)).errors().get(0)).contains("invalid audience (aud) claim");
            String old = issuer.mint(issuer.github(h.clock.instant().minus(Duration.ofHours(1)), "acme/app", AUD));
            assertThat(h.loginError("deploy", old).errors().get(0)).contains("token is expired");
            assertThat(h.events).extracting(e -> e.failureClass().orElseThrow()).containsExactly(FailureClass.CLAIMS, FailureClass.AUDIENCE, FailureClass.EXPIRED);
        }
    }

    @Test
    void immutableSubjectShapeAndEnvironmentBindingWork() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            Map<String, Object> role = githubRole();
            role.put("bound_subject", "repo:acme@1001/app@2002:environment:prod");
            h.write("role/prod", role);
            assertThat(h.login("prod", issuer.mint(issuer.githubImmutable(h.clock.instant(), "acme/app", AUD, "prod"))).auth()).containsKey("client_token");
            // The legacy shape of the same job does not match an immutable bound_subject: the verifier does not rewrite sub.
            KeyhavenException e = h.loginError("prod", issuer.mint(issuer.githubWithEnvironment(h.clock.instant(), "acme/app", AUD, "prod")));
            assertThat(e.errors()).containsExactly("error validating token: invalid subject (sub) claim");
            // A staging environment token of the same repository is refused.
            e = h.loginError("prod", issuer.mint(issuer.githubImmutable(h.clock.instant(), "acme/app", AUD, "staging")));
            assertThat(e.errors()).containsExactly("error validating token: invalid subject (sub) claim");
        }
    }

    @Test
    void gitlabTokenLogsInThroughJwksUrl() {
        try (JwtHarness h = new JwtHarness()) {
            h.write("config", Map.of("jwks_url", issuer.jwksUrl(), "jwks_ca_pem", issuer.caPem(), "bound_issuer", issuer.issuerUrl()));
            h.write("role/gl", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", List.of(AUD), "bound_claims",
                    Map.of("project_id", "20", "namespace_id", "72", "ref_protected", "true", "environment_protected", "true"), "token_policies", "deploy",
                    "token_max_ttl", "15m"));
            Response r = h.login("gl", issuer.mint(issuer.gitlab(h.clock.instant(), "platform/api", AUD)));
            assertThat(r.auth().get("policies")).isEqualTo(List.of("default", "deploy"));
            Map<String, Object> unprotected = issuer.gitlab(h.clock.instant(), "platform/api", AUD);
            unprotected.put("ref_protected", "false");
            assertThat(h.loginError("gl", issuer.mint(unprotected)).errors())
                    .containsExactly("error validating claims: claim \"ref_protected\" does not match any associated bound claim values");
            assertThat(h.lastEvent().claims()).containsEntry("project_path", "platform/api").containsEntry("pipeline_id", "574");
        }
    }

    @Test
    void sameJtiIsRefusedTheSecondTimeEvenByAnotherEngineOnTheSameStore() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            Map<String, Object> role = githubRole();
            role.put("jti_replay_protection", true);
            h.write("role/deploy", role);
            String jwt = issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD));
            assertThat(h.login("deploy", jwt).auth()).containsKey("client_token");
            KeyhavenException e = h.loginError("deploy", jwt);
            assertThat(e.code().httpStatus()).isEqualTo(400);
            assertThat(e.errors()).containsExactly("token already used");
            assertThat(h.lastEvent().failureClass()).contains(FailureClass.REPLAY);
            h.engine = h.newEngine(); // a restart, or a second node on the same store
            assertThat(h.loginError("deploy", jwt).errors()).containsExactly("token already used");
            // A fresh token (new jti) of the same run still works.
            assertThat(h.login("deploy", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
        }
    }

    @Test
    void replayRecordsAreSweptAfterTheTokenCouldNoLongerValidate() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            Map<String, Object> role = githubRole();
            role.put("jti_replay_protection", true);
            h.write("role/deploy", role);
            h.login("deploy", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD)));
            assertThat(h.mountStorage.list("jti/")).hasSize(1);
            h.clock.advance(Duration.ofMinutes(11));
            h.login("deploy", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD))); // triggers the lazy sweep
            assertThat(h.mountStorage.list("jti/")).hasSize(1);
        }
    }

    @Test
    void rotatedKidIsFetchedOnceAndUnknownKidsAreRateLimited() {
        TestIssuer own = TestIssuer.start();
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(own);
            h.write("role/deploy", githubRole());
            int afterConfig = own.jwksHits();
            h.login("deploy", own.mint(own.github(h.clock.instant(), "acme/app", AUD)));
            h.login("deploy", own.mint(own.github(h.clock.instant(), "acme/app", AUD)));
            assertThat(own.jwksHits()).as("cached by kid").isEqualTo(afterConfig);
            own.rotate();
            assertThat(h.login("deploy", own.mint(own.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
            assertThat(own.jwksHits()).as("one refetch for the new kid").isEqualTo(afterConfig + 1);
            for (int i = 0; i < 5; i++) {
                assertThat(h.loginError("deploy", own.mintUnknownKid(own.github(h.clock.instant(), "acme/app", AUD))).errors().get(0))
                        .contains("failed to verify id token signature");
            }
            assertThat(own.jwksHits()).as("unknown kids refetch at most once per 30 s").isEqualTo(afterConfig + 1);
            h.clock.advance(Duration.ofSeconds(31));
            h.loginError("deploy", own.mintUnknownKid(own.github(h.clock.instant(), "acme/app", AUD)));
            assertThat(own.jwksHits()).isEqualTo(afterConfig + 2);
        }
    }

    @Test
    void lastGoodKeySetIsKeptWhenTheJwksEndpointFails() {
        TestIssuer own = TestIssuer.start();
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(own);
            h.write("role/deploy", githubRole());
            own.failJwks(true);
            h.clock.advance(Duration.ofHours(2)); // the cache is stale: a refresh is attempted and fails
            assertThat(h.login("deploy", own.mint(own.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
            // A fresh engine with no keys yet reports the outage as a config failure, without a stack trace.
            h.engine = h.newEngine();
            KeyhavenException e = h.loginError("deploy", own.mint(own.github(h.clock.instant(), "acme/app", AUD)));
            assertThat(e.errors().get(0)).isEqualTo("error validating token: error verifying token signature: fetching keys failed: unexpected HTTP status 500 from "
                    + own.issuerUrl().substring("https://".length(), own.issuerUrl().indexOf("/t")));
            assertThat(h.lastEvent().failureClass()).contains(FailureClass.CONFIG);
            own.failJwks(false);
        }
    }

    @Test
    void oversizedJwksAndUntrustedCertificatesAreRefusedAtConfigTime() {
        TestIssuer own = TestIssuer.start();
        try (JwtHarness h = new JwtHarness()) {
            own.hugeJwks(true);
            KeyhavenException e = h.error(Operation.UPDATE, "config", Map.of("jwks_url", own.jwksUrl(), "jwks_ca_pem", own.caPem()));
            assertThat(e.errors().get(0)).startsWith("error checking jwks URL: response from 127.0.0.1:").endsWith("is larger than 1048576 bytes");
            own.hugeJwks(false);
            e = h.error(Operation.UPDATE, "config", Map.of("oidc_discovery_url", own.issuerUrl()));
            assertThat(e.errors().get(0)).startsWith("error checking oidc discovery URL: TLS error talking to 127.0.0.1:");
            own.discoveryIssuer("https://token.actions.githubusercontent.com");
            e = h.error(Operation.UPDATE, "config", Map.of("oidc_discovery_url", own.issuerUrl(), "oidc_discovery_ca_pem", own.caPem()));
            assertThat(e.errors().get(0)).startsWith("error checking oidc discovery URL: issuer did not match the issuer returned by provider");
            assertThat(h.mountStorage.get("config")).isEmpty();
        }
    }

    @Test
    void staticPublicKeysVerifyEsTokensAndConfigReadHidesTheClientSecret() throws Exception {
        try (JwtHarness h = new JwtHarness()) {
            String pem = StaticKeySet.toPem(issuer.ecKey().toECPublicKey());
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            String unrelated = StaticKeySet.toPem(g.generateKeyPair().getPublic());
            String clientSecret = "kh-test-client-secret-" + java.util.UUID.randomUUID();
            h.write("config", Map.of("jwt_validation_pubkeys", List.of(unrelated, pem), "bound_issuer", issuer.issuerUrl(), "oidc_client_id", "kh",
                    "oidc_client_secret", clientSecret));
            h.write("role/deploy", githubRole());
            assertThat(h.login("deploy", issuer.mintEs256(issuer.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
            assertThat(h.loginError("deploy", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD))).errors())
                    .containsExactly("error validating token: error verifying token signature: no known key successfully validated the token signature");
            Map<String, Object> cfg = h.read("config").data();
            assertThat(cfg).containsEntry("oidc_client_id", "kh").doesNotContainKey("oidc_client_secret");
            assertThat(cfg.toString()).doesNotContain(clientSecret);
        }
    }

    @Test
    void roleCrudListDefaultsAliasesAndMergeOnUpdate() {
        try (JwtHarness h = new JwtHarness()) {
            assertThat(h.error(Operation.LIST, "role", Map.of()).code().httpStatus()).isEqualTo(404);
            assertThat(h.error(Operation.READ, "role/none", Map.of()).code().httpStatus()).isEqualTo(404);
            // GitHub's own Vault guide: deprecated policies/ttl names.
            h.write("role/gh", Map.of("role_type", "jwt", "user_claim", "actor", "bound_audiences", "https://github.com/acme", "bound_claims",
                    Map.of("repository", "acme/app"), "policies", "ci,deploy", "ttl", "10m", "max_ttl", 900));
            Map<String, Object> d = h.read("role/gh").data();
            assertThat(d).containsEntry("role_type", "jwt").containsEntry("token_policies", List.of("ci", "deploy")).containsEntry("token_ttl", 600L)
                    .containsEntry("token_max_ttl", 900L).containsEntry("bound_claims_type", "string").containsEntry("clock_skew_leeway", 60L)
                    .containsEntry("expiration_leeway", 150L).containsEntry("not_before_leeway", 150L).containsEntry("user_claim", "actor")
                    .containsEntry("token_type", "default");
            // A partial write keeps the other fields (Vault merges).
            h.write("role/gh", Map.of("bound_subject", "repo:acme/app:ref:refs/heads/main"));
            d = h.read("role/gh").data();
            assertThat(d).containsEntry("bound_subject", "repo:acme/app:ref:refs/heads/main").containsEntry("token_policies", List.of("ci", "deploy"));
            h.write("role/other", Map.of("user_claim", "sub", "allowed_redirect_uris", "https://ui.example.invalid/cb", "bound_audiences", "x"));
            assertThat(h.read("role/other").data()).containsEntry("role_type", "oidc");
            assertThat(h.call(Operation.LIST, "role", Map.of()).data().get("keys")).isEqualTo(List.of("gh", "other"));
            h.call(Operation.DELETE, "role/gh", Map.of());
            assertThat(h.call(Operation.LIST, "role", Map.of()).data().get("keys")).isEqualTo(List.of("other"));
        }
    }

    @Test
    void weakRolesGetWarningsAndTightRolesNone() {
        try (JwtHarness h = new JwtHarness()) {
            Response weak = h.write("role/weak", Map.of("role_type", "jwt", "user_claim", "actor", "bound_claims_type", "glob", "bound_claims",
                    Map.of("sub", "repo:acme/*"), "token_ttl", "2h"));
            assertThat(String.join("\n", weak.warnings())).contains("no bound_audiences").contains("glob over the repository")
                    .contains("user_claim \"actor\"").contains("immutable 'repository_id'").contains("above 1h");
            Response owner = h.write("role/owner", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", AUD, "bound_claims",
                    Map.of("repository_owner", "acme"), "token_max_ttl", "15m"));
            assertThat(String.join("\n", owner.warnings())).contains("binds only the owner");
            Response branches = h.write("role/branches", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", AUD, "bound_claims_type",
                    "glob", "bound_claims", Map.of("sub", "repo:acme/app:*", "repository_id", "2002", "repository_owner_id", "1001"), "token_max_ttl", "15m"));
            assertThat(String.join("\n", branches.warnings())).contains("admits pull_request runs");
            Response tight = h.write("role/tight", githubRole());
            assertThat(tight.warnings()).isEmpty();
            assertThat(tight.status()).isEqualTo(204);
        }
    }

    @Test
    void globBoundClaimsSpanSlashesAndColonsLikeVault() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            h.write("role/g", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", AUD, "bound_claims_type", "glob", "bound_claims",
                    Map.of("job_workflow_ref", "acme/app/.github/workflows/*@refs/heads/main")));
            assertThat(h.login("g", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
            Map<String, Object> tag = issuer.github(h.clock.instant(), "acme/app", AUD);
            tag.put("job_workflow_ref", "acme/app/.github/workflows/deploy.yml@refs/tags/v1");
            assertThat(h.loginError("g", issuer.mint(tag)).errors().get(0)).contains("does not match any associated bound claim values");
        }
    }

    @Test
    void defaultRoleIsUsedWhenLoginOmitsTheRole() {
        try (JwtHarness h = new JwtHarness()) {
            h.write("config", Map.of("oidc_discovery_url", issuer.issuerUrl(), "oidc_discovery_ca_pem", issuer.caPem(), "default_role", "deploy"));
            h.write("role/deploy", githubRole());
            Response r = h.write("login", Map.of("jwt", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD))));
            assertThat(r.auth()).containsKey("client_token");
            assertThat(h.lastEvent().role()).isEqualTo("deploy");
        }
    }

    @Test
    void loginAndTheOidcFlowAreTheUnauthenticatedPaths() {
        try (JwtHarness h = new JwtHarness()) {
            assertThat(h.engine.unauthenticatedPaths()).containsExactlyInAnyOrder("login", "oidc/auth_url", "oidc/callback");
            assertThat(h.error(Operation.READ, "oidc/auth_url", Map.of()).code().httpStatus()).isEqualTo(405);
            KeyhavenException e = h.error(Operation.UPDATE, "oidc/auth_url", Map.of("role", "r", "redirect_uri", "http://localhost:8250/oidc/callback"));
            assertThat(e.code().httpStatus()).isEqualTo(400);
            assertThat(e.errors()).containsExactly("could not load configuration");
            assertThat(h.error(Operation.READ, "login", Map.of()).code().httpStatus()).isEqualTo(405);
        }
    }

    @Test
    void jwksPairsTryEachKeySetInTurn() {
        TestIssuer second = TestIssuer.start();
        try (JwtHarness h = new JwtHarness()) {
            h.write("config", Map.of("jwks_pairs", List.of(Map.of("jwks_url", issuer.jwksUrl(), "jwks_ca_pem", issuer.caPem()),
                    Map.of("jwks_url", second.jwksUrl(), "jwks_ca_pem", second.caPem()))));
            h.write("role/deploy", githubRole());
            assertThat(h.login("deploy", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
            assertThat(h.login("deploy", second.mint(second.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
            assertThat(h.error(Operation.UPDATE, "config", Map.of("jwks_pairs", List.of(Map.of("jwks_url", issuer.jwksUrl())), "bound_issuer", "x")).errors())
                    .containsExactly("'bound_issuer' is not supported with 'jwks_pairs'");
        }
    }

    @Test
    void jsonPointerClaimsBindAndNameTheUser() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            h.write("role/k8s", Map.of("role_type", "jwt", "user_claim", "/kubernetes.io/serviceaccount/name", "user_claim_json_pointer", true,
                    "bound_audiences", AUD, "bound_claims", Map.of("/kubernetes.io/namespace", "payments"), "token_max_ttl", "15m"));
            Map<String, Object> c = issuer.github(h.clock.instant(), "acme/app", AUD);
            c.put("kubernetes.io", Map.of("namespace", "payments", "serviceaccount", Map.of("name", "api", "uid", "u-1")));
            Response r = h.login("k8s", issuer.mint(c));
            assertThat(h.auth.tokenStore().lookup((String) r.auth().get("client_token")).orElseThrow().entityAlias()).isEqualTo("api");
            c.put("kubernetes.io", Map.of("namespace", "other", "serviceaccount", Map.of("name", "api")));
            assertThat(h.loginError("k8s", issuer.mint(c)).errors())
                    .containsExactly("error validating claims: claim \"/kubernetes.io/namespace\" does not match any associated bound claim values");
        }
    }

    @Test
    void configWriteReplacesTheWholeConfigSoTheKeySourceCanBeSwitched() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            h.write("config", Map.of("jwks_url", issuer.jwksUrl(), "jwks_ca_pem", issuer.caPem()));
            Map<String, Object> cfg = h.read("config").data();
            assertThat(cfg).containsEntry("jwks_url", issuer.jwksUrl()).containsEntry("oidc_discovery_url", "").containsEntry("bound_issuer", "");
            h.write("role/deploy", githubRole());
            assertThat(h.login("deploy", issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD))).auth()).containsKey("client_token");
        }
    }
}
