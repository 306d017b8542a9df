package dev.keyhaven.core.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Table test: every login error of Vault's JWT method (vault-plugin-auth-jwt + hashicorp/cap), with its exact text,
 * HTTP status and our failure class. Each row starts from a valid GitHub-shaped token and a valid role and breaks one thing.
 */
class JwtLoginErrorsTest {
    static final String AUD = "https://keyhaven.example.invalid";
    static TestIssuer issuer;

    @BeforeAll
    static void issuer() {
        issuer = TestIssuer.start();
    }

    @AfterAll
    static void done() {
        issuer = null;
    }

    /** One row: how to set up (role overrides, config), the token claims change, the expected error. */
    record Row(String name, Consumer<JwtHarness> setup, Consumer<Map<String, Object>> claims, BiFunction<TestIssuer, Map<String, Object>, String> mint,
               String role, int status, String message, FailureClass fc) {}

    static Map<String, Object> goodRole() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("role_type", "jwt");
        r.put("user_claim", "sub");
        r.put("bound_audiences", List.of(AUD));
        r.put("bound_claims", Map.of("repository_id", "2002", "repository_owner_id", "1001"));
        r.put("token_policies", List.of("deploy"));
        r.put("token_ttl", "10m");
        r.put("token_max_ttl", "15m");
        return r;
    }

    static Consumer<JwtHarness> role(String name, Consumer<Map<String, Object>> change) {
        return h -> {
            Map<String, Object> r = goodRole();
            change.accept(r);
            h.write("role/" + name, r);
        };
    }

    static final BiFunction<TestIssuer, Map<String, Object>, String> RS = TestIssuer::mint;
    static final Consumer<Map<String, Object>> SAME = c -> { };
    static final Consumer<JwtHarness> NOTHING = h -> { };

    static String p(String s) {
        return "error validating token: " + s;
    }

    @TestFactory
    List<DynamicTest> everyErrorOfTheReference() {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("no role and no default_role", NOTHING, SAME, RS, "", 400, "missing role", FailureClass.MISSING_INPUT));
        rows.add(new Row("unknown role", NOTHING, SAME, RS, "nope", 400, "role \"nope\" could not be found", FailureClass.ROLE));
        rows.add(new Row("role_type defaults to oidc", h -> {
            Map<String, Object> r = goodRole();
            r.remove("role_type");
            r.put("allowed_redirect_uris", List.of("https://keyhaven.example.invalid/ui/callback"));
            h.write("role/web", r);
        }, SAME, RS, "web", 400, "role with oidc role_type is not allowed", FailureClass.ROLE));
        rows.add(new Row("empty jwt", NOTHING, SAME, (i, c) -> "", "ci", 400, "missing token", FailureClass.MISSING_INPUT));
        rows.add(new Row("client outside token_bound_cidrs", role("ci", r -> r.put("token_bound_cidrs", List.of("10.0.0.0/8"))), SAME, RS, "ci", 403,
                "permission denied", FailureClass.CIDR));
        rows.add(new Row("malformed token", NOTHING, SAME, (i, c) -> "not-a-jwt", "ci", 400, p("error verifying token signature: malformed jwt, expected 3 parts"),
                FailureClass.SIGNATURE));
        rows.add(new Row("forged signature under a published kid", NOTHING, SAME, TestIssuer::mintForged, "ci", 400,
                p("error verifying token signature: failed to verify id token signature"), FailureClass.SIGNATURE));
        rows.add(new Row("unsigned token (alg none)", NOTHING, SAME, (i, c) -> TestIssuer.mintUnsigned(c), "ci", 400,
                p("error verifying token signature: token must be signed"), FailureClass.SIGNATURE));
        rows.add(new Row("HS256 with the public key as secret (algorithm confusion)", NOTHING, SAME, TestIssuer::mintHs256Confusion, "ci", 400,
                p("error verifying token signature: failed to verify id token signature"), FailureClass.SIGNATURE));
        rows.add(new Row("algorithm outside jwt_supported_algs", h -> h.write("config", Map.of("oidc_discovery_url", issuer.issuerUrl(), "oidc_discovery_ca_pem", issuer.caPem(),
                "bound_issuer", issuer.issuerUrl(), "jwt_supported_algs", List.of("RS256"))), SAME,
                TestIssuer::mintEs256, "ci", 400, p("invalid algorithm (alg) header parameter: token signed with unexpected algorithm"), FailureClass.SIGNATURE));
        rows.add(new Row("wrong issuer", NOTHING, c -> c.put("iss", "https://token.actions.githubusercontent.com"), RS, "ci", 400, p("invalid issuer (iss) claim"),
                FailureClass.ISSUER));
        rows.add(new Row("wrong subject", role("ci", r -> r.put("bound_subject", "repo:acme/app:environment:prod")), SAME, RS, "ci", 400,
                p("invalid subject (sub) claim"), FailureClass.SUBJECT));
        rows.add(new Row("wrong audience (GitHub's default owner URL)", NOTHING, c -> c.put("aud", "https://github.com/acme"), RS, "ci", 400,
                p("invalid audience (aud) claim: audience claim does not match any expected audience"), FailureClass.AUDIENCE));
        rows.add(new Row("no iat, nbf or exp", NOTHING, c -> {
            c.remove("iat");
            c.remove("nbf");
            c.remove("exp");
        }, RS, "ci", 400, p("no issued at (iat), not before (nbf), or expiration time (exp) claims in token"), FailureClass.EXPIRED));
        rows.add(new Row("not yet valid", NOTHING, c -> c.put("nbf", ((Number) c.get("iat")).longValue() + 3600), RS, "ci", 400,
                p("invalid not before (nbf) claim: token not yet valid"), FailureClass.EXPIRED));
        rows.add(new Row("expired", NOTHING, c -> c.put("exp", ((Number) c.get("iat")).longValue() - 61), RS, "ci", 400,
                p("invalid expiration time (exp) claim: token is expired"), FailureClass.EXPIRED));
        rows.add(new Row("issued in the future", NOTHING, c -> {
            long iat = ((Number) c.get("iat")).longValue();
            c.put("iat", iat + 600);
            c.put("exp", iat + 900);
        }, RS, "ci", 400, p("invalid issued at (iat) claim: token issued in the future"), FailureClass.EXPIRED));
        rows.add(new Row("aud in token but no bound_audiences", role("ci", r -> {
            r.put("bound_audiences", List.of());
        }), SAME, RS, "ci", 400, "audience claim found in JWT but no audiences bound to the role", FailureClass.AUDIENCE));
        rows.add(new Row("user_claim missing", role("ci", r -> r.put("user_claim", "email")), SAME, RS, "ci", 400, "claim \"email\" not found in token",
                FailureClass.CLAIMS));
        rows.add(new Row("user_claim not a string", role("ci", r -> r.put("user_claim", "run_count")), c -> c.put("run_count", 12), RS, "ci", 400,
                "claim \"run_count\" could not be converted to string", FailureClass.CLAIMS));
        rows.add(new Row("bound claim missing", role("ci", r -> r.put("bound_claims", Map.of("environment", "prod"))), SAME, RS, "ci", 400,
                "error validating claims: claim \"environment\" is missing", FailureClass.CLAIMS));
        rows.add(new Row("wrong repository (bound repository_id)", NOTHING, c -> c.put("repository_id", "9999"), RS, "ci", 400,
                "error validating claims: claim \"repository_id\" does not match any associated bound claim values", FailureClass.CLAIMS));
        rows.add(new Row("denied claim value (pull_request_target)", role("ci", r -> r.put("deny_claims", Map.of("event_name", List.of("pull_request_target")))),
                c -> c.put("event_name", "pull_request_target"), RS, "ci", 400, "error validating claims: claim \"event_name\" has a value denied by the role",
                FailureClass.CLAIMS));
        rows.add(new Row("required claim absent", role("ci", r -> r.put("required_claims", List.of("environment"))), SAME, RS, "ci", 400,
                "error validating claims: claim \"environment\" is missing", FailureClass.CLAIMS));
        rows.add(new Row("replay protection needs a jti", role("ci", r -> r.put("jti_replay_protection", true)), c -> c.remove("jti"), RS, "ci", 400,
                "token has no jti claim, which this role requires (jti_replay_protection)", FailureClass.REPLAY));

        List<DynamicTest> tests = new ArrayList<>();
        for (Row row : rows) {
            tests.add(DynamicTest.dynamicTest(row.name(), () -> {
                try (JwtHarness h = new JwtHarness()) {
                    h.configureDiscovery(issuer);
                    h.write("role/ci", goodRole());
                    row.setup().accept(h);
                    Map<String, Object> claims = issuer.github(h.clock.instant(), "acme/app", AUD);
                    row.claims().accept(claims);
                    String jwt = row.mint().apply(issuer, claims);
                    Map<String, Object> body = new LinkedHashMap<>();
                    if (!row.role().isEmpty()) body.put("role", row.role());
                    body.put("jwt", jwt);
                    KeyhavenException e = h.error(Operation.UPDATE, "login", body);
                    assertThat(e.code().httpStatus()).isEqualTo(row.status());
                    assertThat(e.errors()).containsExactly(row.message());
                    assertThat(h.lastEvent().success()).isFalse();
                    assertThat(h.lastEvent().failureClass()).contains(row.fc());
                    assertThat(h.lastEvent().error()).isEqualTo(row.message());
                    if (!jwt.isEmpty()) assertThat(h.lastEvent().toString()).doesNotContain(jwt);
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> configAndRoleWriteErrors() {
        record W(String name, String path, Map<String, Object> data, String message) {}
        List<W> rows = new ArrayList<>();
        rows.add(new W("no key source", "config", Map.of("bound_issuer", "x"),
                "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set"));
        rows.add(new W("two key sources", "config", Map.of("jwks_url", "https://127.0.0.1:1/jwks", "oidc_discovery_url", "https://127.0.0.1:1"),
                "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set"));
        rows.add(new W("CA PEM that is not a certificate", "config", Map.of("jwks_url", "https://127.0.0.1:1/jwks", "jwks_ca_pem", "not a pem"),
                "could not parse CA PEM value successfully"));
        rows.add(new W("public key that is not PEM", "config", Map.of("jwt_validation_pubkeys", List.of("nope")),
                "error parsing public key: data does not contain any valid public keys"));
        rows.add(new W("unsupported algorithm", "config", Map.of("jwks_url", "https://127.0.0.1:1/jwks", "jwt_supported_algs", List.of("HS256")),
                "invalid jwt_supported_algs: unsupported signing algorithm \"HS256\""));
        rows.add(new W("plain http JWKS", "config", Map.of("jwks_url", "http://127.0.0.1:1/jwks"), "error checking jwks URL: URL must use https"));
        rows.add(new W("user claim missing", "role/r", Map.of("role_type", "jwt", "bound_audiences", "a"), "a user claim must be defined on the role"));
        rows.add(new W("jwt role without bounds", "role/r", Map.of("role_type", "jwt", "user_claim", "sub"),
                "must have at least one bound constraint when creating/updating a role"));
        rows.add(new W("oidc role without redirect URIs", "role/r", Map.of("user_claim", "sub", "bound_audiences", "a"),
                "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."));
        rows.add(new W("bad role_type", "role/r", Map.of("role_type", "saml", "user_claim", "sub"), "invalid 'role_type': saml"));
        rows.add(new W("bad bound_claims_type", "role/r", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", "a", "bound_claims_type", "regex"),
                "invalid 'bound_claims_type': regex"));
        rows.add(new W("ttl above max ttl", "role/r", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", "a", "token_ttl", "2h", "token_max_ttl", "1h"),
                "ttl should not be greater than max ttl"));
        rows.add(new W("claim mapped onto role", "role/r", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", "a", "claim_mappings",
                Map.of("repository", "role")), "metadata key \"role\" is reserved and may not be a mapping destination"));
        rows.add(new W("two claims onto one key", "role/r", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", "a", "claim_mappings",
                Map.of("repository", "repo", "project_path", "repo")), "multiple keys are mapped to metadata key \"repo\""));
        List<DynamicTest> tests = new ArrayList<>();
        for (W w : rows) {
            tests.add(DynamicTest.dynamicTest(w.name(), () -> {
                try (JwtHarness h = new JwtHarness()) {
                    KeyhavenException e = h.error(Operation.UPDATE, w.path(), w.data());
                    assertThat(e.code().httpStatus()).isEqualTo(400);
                    assertThat(e.errors()).containsExactly(w.message());
                    assertThat(h.mountStorage.list("role/")).isEmpty();
                    assertThat(h.mountStorage.get("config")).isEmpty();
                }
            }));
        }
        return tests;
    }

    @org.junit.jupiter.api.Test
    void loginBeforeConfigSaysCouldNotLoadConfiguration() {
        try (JwtHarness h = new JwtHarness()) {
            KeyhavenException e = h.loginError("ci", "x.y.z");
            assertThat(e.errors()).containsExactly("could not load configuration");
            assertThat(h.lastEvent().failureClass()).contains(FailureClass.CONFIG);
        }
    }

    @org.junit.jupiter.api.Test
    void expiredWithinClockSkewIsAcceptedAndBeyondIsRefused() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            h.write("role/ci", goodRole());
            Map<String, Object> c = issuer.github(h.clock.instant(), "acme/app", AUD);
            String jwt = issuer.mint(c);
            h.clock.advance(Duration.ofSeconds(300 + 59));
            assertThat(h.login("ci", jwt).auth()).containsKey("client_token");
            h.clock.advance(Duration.ofSeconds(2));
            assertThat(h.loginError("ci", jwt).errors()).containsExactly(p("invalid expiration time (exp) claim: token is expired"));
        }
    }

    @org.junit.jupiter.api.Test
    void clockSkewLeewayMinusOneDisablesTheSkew() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            Map<String, Object> r = goodRole();
            r.put("clock_skew_leeway", -1);
            h.write("role/ci", r);
            String jwt = issuer.mint(issuer.github(h.clock.instant(), "acme/app", AUD));
            h.clock.advance(Duration.ofSeconds(301));
            assertThat(h.loginError("ci", jwt).errors()).containsExactly(p("invalid expiration time (exp) claim: token is expired"));
            assertThat(h.read("role/ci").data()).containsEntry("clock_skew_leeway", -1L);
        }
    }

    @org.junit.jupiter.api.Test
    void missingExpIsDerivedFromIatPlusExpirationLeeway() {
        try (JwtHarness h = new JwtHarness()) {
            h.configureDiscovery(issuer);
            h.write("role/ci", goodRole());
            Map<String, Object> c = issuer.github(h.clock.instant(), "acme/app", AUD);
            c.remove("exp");
            c.remove("nbf");
            String jwt = issuer.mint(c);
            h.clock.advance(Duration.ofSeconds(150 + 60));
            assertThat(h.login("ci", jwt).auth()).containsKey("client_token");
            h.clock.advance(Duration.ofSeconds(1));
            assertThat(h.loginError("ci", jwt).errors()).containsExactly(p("invalid expiration time (exp) claim: token is expired"));
        }
    }

    static Instant unused() {
        return Instant.EPOCH;
    }
}
