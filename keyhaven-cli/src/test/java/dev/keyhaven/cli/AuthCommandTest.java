package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.jwt.JwtAuthEngine;
import dev.keyhaven.core.auth.login.LoginEvents;
import dev.keyhaven.core.auth.login.TokenIssuer;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AuthCommandTest {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    Map<String, String> savedEnv;

    @BeforeEach
    void env() {
        savedEnv = ClientOptions.env;
        ClientOptions.env = Map.of("KEYHAVEN_ADDR", "https://keyhaven.example.invalid:8200");
    }

    @AfterEach
    void restore() {
        ClientOptions.env = savedEnv;
    }

    int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** The role JSON printed by --dry-run (between the comment header and the blank line). */
    @SuppressWarnings("unchecked")
    Map<String, Object> printedRole() throws Exception {
        String s = out.toString();
        int start = s.indexOf('{');
        int end = s.indexOf("\n}\n") + 2;
        return new ObjectMapper().readValue(s.substring(start, end), Map.class);
    }

    /** Writes the role through the real JWT engine: Vault-valid, and our linter finds nothing weak. */
    static Response writeThroughEngine(Map<String, Object> role) {
        DefaultAuthService auth = new DefaultAuthService();
        auth.start(new MemoryStorage(), Clock.systemUTC());
        try {
            JwtAuthEngine e = new JwtAuthEngine(new EngineContext("auth/jwt/", "a", "jwt", Map.of(), new MemoryStorage(), Clock.systemUTC()), TokenIssuer.of(auth),
                    LoginEvents.NONE);
            Request r = Request.builder(Operation.UPDATE, "auth/jwt/role/deploy").data(role).build();
            r.setMount("auth/jwt/", "jwt", "a", "role/deploy");
            return e.handle(r);
        } finally {
            auth.stop();
        }
    }

    @Test
    void githubPresetWritesATightVaultShapedRoleAndPrintsTheWorkflow() throws Exception {
        int code = run("auth", "jwt", "role", "github", "deploy", "--repo", "acme/app", "--repository-id", "2002", "--owner-id", "1001", "--environment", "prod",
                "--workflow", ".github/workflows/deploy.yml@refs/heads/main", "--policy", "deploy", "--dry-run");
        assertThat(code).as(err.toString()).isZero();
        Map<String, Object> role = printedRole();
        assertThat(role).containsEntry("role_type", "jwt").containsEntry("user_claim", "sub").containsEntry("bound_audiences",
                List.of("https://keyhaven.example.invalid:8200")).containsEntry("token_ttl", "10m").containsEntry("token_max_ttl", "15m")
                .containsEntry("token_no_default_policy", true).containsEntry("jti_replay_protection", true).containsEntry("token_policies", List.of("deploy"));
        assertThat((Map<String, Object>) role.get("bound_claims")).containsEntry("repository_id", "2002").containsEntry("repository_owner_id", "1001")
                .containsEntry("environment", "prod").containsEntry("job_workflow_ref", "acme/app/.github/workflows/deploy.yml@refs/heads/main")
                .containsEntry("sub", List.of("repo:acme/app:environment:prod", "repo:acme@1001/app@2002:environment:prod"));
        assertThat(role.get("deny_claims")).isEqualTo(Map.of("event_name", List.of("pull_request_target")));
        String snippet = out.toString();
        assertThat(snippet).contains("id-token: write").contains("environment: prod").contains("method: jwt").contains("role: deploy")
                .contains("jwtGithubAudience: https://keyhaven.example.invalid:8200").contains("<full-commit-sha>").contains("auth/token/revoke-self")
                .contains("if: always()");
        assertThat(snippet.indexOf("id-token: write")).as("only one job asks for id-token").isEqualTo(snippet.lastIndexOf("id-token: write"));
        Response written = writeThroughEngine(role);
        assertThat(written.warnings()).isEmpty();
    }

    @Test
    void gitlabPresetBindsProjectNamespaceAndProtectedRefs() throws Exception {
        String digest = "a".repeat(64);
        int code = run("auth", "jwt", "role", "gitlab", "deploy", "--project", "platform/api", "--project-id", "20", "--namespace-id", "72", "--environment",
                "production", "--ref", "main", "--policy", "deploy", "--image", "curlimages/curl@sha256:" + digest, "--dry-run", "--audience", "https://kh.example.invalid");
        assertThat(code).as(err.toString()).isZero();
        Map<String, Object> role = printedRole();
        assertThat((Map<String, Object>) role.get("bound_claims")).containsEntry("project_id", "20").containsEntry("namespace_id", "72")
                .containsEntry("ref_protected", "true").containsEntry("environment_protected", "true").containsEntry("ref", "main");
        assertThat(out.toString()).contains("id_tokens:").contains("aud: https://kh.example.invalid").contains("environment: production")
                .contains("curlimages/curl@sha256:" + digest).contains("auth/token/revoke-self").contains("trap ");
        assertThat(writeThroughEngine(role).warnings()).isEmpty();
    }

    @Test
    void missingIdsUnpinnedActionAndBadWorkflowAreUsageErrors() {
        assertThat(run("auth", "jwt", "role", "github", "deploy", "--repo", "acme/app", "--policy", "p", "--dry-run")).isEqualTo(2);
        assertThat(err.toString()).contains("--repository-id and --owner-id, or --online");
        assertThat(run("auth", "jwt", "role", "github", "deploy", "--repo", "acme/app", "--repository-id", "1", "--owner-id", "2", "--policy", "p",
                "--action", "hashicorp/vault-action@v3", "--dry-run")).isEqualTo(2);
        assertThat(err.toString()).contains("full 40-character commit SHA");
        assertThat(run("auth", "jwt", "role", "github", "deploy", "--repo", "acme/app", "--repository-id", "1", "--owner-id", "2", "--policy", "p",
                "--workflow", "deploy.yml", "--dry-run")).isEqualTo(2);
        assertThat(run("auth", "jwt", "role", "github", "deploy", "--repo", "acme/app", "--repository-id", "1", "--owner-id", "2", "--policy", "root",
                "--dry-run")).isEqualTo(2);
        assertThat(run("auth", "jwt", "role", "github", "deploy", "--repo", "acme/app", "--repository-id", "1", "--owner-id", "2", "--dry-run")).isEqualTo(2);
    }

    @Test
    void onlineLooksUpTheImmutableIdsFromTheForgeApi() throws Exception {
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/repos/acme/app", ex -> {
            byte[] b = "{\"id\":777,\"name\":\"app\",\"owner\":{\"login\":\"acme\",\"id\":888}}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        api.start();
        try {
            int code = run("auth", "jwt", "role", "github", "deploy", "--repo", "acme/app", "--online", "--github-api",
                    "http://127.0.0.1:" + api.getAddress().getPort(), "--policy", "deploy", "--dry-run");
            assertThat(code).as(err.toString()).isZero();
            assertThat((Map<String, Object>) printedRole().get("bound_claims")).containsEntry("repository_id", "777").containsEntry("repository_owner_id", "888");
        } finally {
            api.stop(0);
        }
    }
}
