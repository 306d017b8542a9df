package dev.keyhaven.doctor.online;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Severity;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --online} against a loopback stand-in for the GitHub REST API (api.github.com cannot be reached here): the
 * answers are the documented shapes of the endpoints the checks read.
 */
class OnlineChecksTest {
    static final Set<String> ALL = Set.of("KH401", "KH303", "KH306", "KH413");
    final String token = "kh-test-fake-github-token-" + System.nanoTime(); // obviously fake, generated per run
    final Map<String, String> answers = new ConcurrentHashMap<>();
    final Map<String, Integer> statuses = new ConcurrentHashMap<>();
    final List<String> auth = new CopyOnWriteArrayList<>();
    HttpServer server;
    URI base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            auth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String body = answers.getOrDefault(path, "{\"message\":\"Not Found\"}");
            int status = statuses.getOrDefault(path, answers.containsKey(path) ? 200 : 404);
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v3");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    List<Finding> run(Optional<String> tok) {
        return new OnlineChecks(new GitHubApi(base, tok), "acme/app").run(ALL);
    }

    void laxRepository() {
        answers.put("/api/v3/repos/acme/app", "{\"default_branch\":\"main\",\"security_and_analysis\":{\"secret_scanning\":{\"status\":\"disabled\"},"
                + "\"secret_scanning_push_protection\":{\"status\":\"disabled\"}}}");
        answers.put("/api/v3/repos/acme/app/actions/permissions/workflow", "{\"default_workflow_permissions\":\"write\",\"can_approve_pull_request_reviews\":true}");
        answers.put("/api/v3/repos/acme/app/environments?per_page=100", "{\"total_count\":2,\"environments\":["
                + "{\"name\":\"prod\",\"protection_rules\":[{\"type\":\"branch_policy\"}],\"deployment_branch_policy\":{\"protected_branches\":true,\"custom_branch_policies\":false}},"
                + "{\"name\":\"pypi\",\"protection_rules\":[],\"deployment_branch_policy\":null}]}");
        answers.put("/api/v3/repos/acme/app/rules/branches/main?per_page=100", "[]"); // no ruleset applies
        // no branch protection: GitHub answers 404 "Branch not protected"
    }

    @Test
    void laxSettingsBecomeFindingsOfTheChecksTheyComplete() {
        laxRepository();
        List<Finding> fs = run(Optional.of(token));
        assertThat(fs).extracting(f -> f.checkId() + " " + f.severity()).containsExactlyInAnyOrder(
                "KH401 HIGH", "KH401 MEDIUM", "KH303 MEDIUM", "KH303 MEDIUM", "KH306 MEDIUM", "KH413 MEDIUM", "KH413 LOW");
        assertThat(fs).filteredOn(f -> f.checkId().equals("KH413") && f.severity() == Severity.MEDIUM).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("'pypi'", "neither required reviewers nor a deployment branch policy"));
        assertThat(fs).filteredOn(f -> f.checkId().equals("KH306")).singleElement().satisfies(f -> assertThat(f.message()).contains("'main' is not protected"));
        answers.put("/api/v3/repos/acme/app/rules/branches/main?per_page=100", "[{\"type\":\"deletion\"},{\"type\":\"non_fast_forward\"}]");
        assertThat(run(Optional.of(token))).filteredOn(f -> f.checkId().equals("KH306")).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("protected but requires no pull request review"));
        answers.put("/api/v3/repos/acme/app/rules/branches/main?per_page=100", "[{\"type\":\"pull_request\",\"parameters\":"
                + "{\"require_code_owner_review\":false,\"required_approving_review_count\":1}}]");
        assertThat(run(Optional.of(token))).filteredOn(f -> f.checkId().equals("KH306")).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("but not from code owners"));
        // a ruleset that requires code-owner review is enough, with no classic protection at all
        answers.put("/api/v3/repos/acme/app/rules/branches/main?per_page=100", "[{\"type\":\"pull_request\",\"parameters\":"
                + "{\"require_code_owner_review\":true,\"required_approving_review_count\":1}}]");
        assertThat(run(Optional.of(token))).extracting(Finding::checkId).doesNotContain("KH306");
        assertThat(auth).isNotEmpty().allMatch(a -> a.equals("Bearer " + token));
        assertThat(fs).allSatisfy(f -> assertThat(f.message()).doesNotContain(token));
    }

    @Test
    void strictSettingsGiveNoFinding() {
        answers.put("/api/v3/repos/acme/app", "{\"default_branch\":\"main\",\"security_and_analysis\":{\"secret_scanning\":{\"status\":\"enabled\"},"
                + "\"secret_scanning_push_protection\":{\"status\":\"enabled\"}}}");
        answers.put("/api/v3/repos/acme/app/actions/permissions/workflow", "{\"default_workflow_permissions\":\"read\",\"can_approve_pull_request_reviews\":false}");
        answers.put("/api/v3/repos/acme/app/environments?per_page=100", "{\"total_count\":1,\"environments\":[{\"name\":\"prod\","
                + "\"protection_rules\":[{\"type\":\"required_reviewers\",\"reviewers\":[]}],\"deployment_branch_policy\":null}]}");
        answers.put("/api/v3/repos/acme/app/rules/branches/main?per_page=100", "[]");
        answers.put("/api/v3/repos/acme/app/branches/main/protection", "{\"required_pull_request_reviews\":{\"require_code_owner_reviews\":true,"
                + "\"required_approving_review_count\":1}}");
        assertThat(run(Optional.of(token))).isEmpty();
    }

    @Test
    void whatTheApiWillNotTellIsReportedAsNotVerifiedNeverAsAPass() {
        laxRepository();
        statuses.put("/api/v3/repos/acme/app/actions/permissions/workflow", 403);
        answers.put("/api/v3/repos/acme/app", "{\"default_branch\":\"main\"}"); // no security_and_analysis: not an admin
        List<Finding> fs = run(Optional.empty());
        assertThat(fs).filteredOn(f -> f.severity() == Severity.INFO).extracting(Finding::checkId).contains("KH401", "KH303", "KH306");
        assertThat(fs).filteredOn(f -> f.checkId().equals("KH401")).singleElement()
                .satisfies(f -> assertThat(f.message()).startsWith("not verified online: default workflow permissions").contains("set GITHUB_TOKEN"));
        assertThat(auth).allMatch(a -> a.equals("null")); // no token, no Authorization header

        server.stop(0); // unreachable: every part unverified, nothing passes silently
        assertThat(run(Optional.of(token))).hasSize(4).allMatch(f -> f.severity() == Severity.INFO && f.message().contains("unreachable"));
    }

    @Test
    void remotesAndSlugs() {
        assertThat(OnlineChecks.slugOfRemote("https://github.com/acme/app.git")).contains("acme/app");
        assertThat(OnlineChecks.slugOfRemote("git@github.com:acme/app.git\n")).contains("acme/app");
        assertThat(OnlineChecks.slugOfRemote("ssh://git@github.com/acme/my.app")).contains("acme/my.app");
        assertThat(OnlineChecks.slugOfRemote("https://gitlab.com/acme/app.git")).isEmpty();
        assertThat(OnlineChecks.isSlug("acme/app")).isTrue();
        assertThat(OnlineChecks.isSlug("acme/../x")).isFalse();
        assertThat(OnlineChecks.isSlug("acme")).isFalse();
    }

    List<Finding> subject(Optional<String> tok) {
        return new OnlineChecks(new GitHubApi(base, tok), "acme/app").run(Set.of("KH501"));
    }

    @Test
    void anOidcSubjectTemplateThatLeavesTheRepositoryOutIsReported() {
        String repoTemplate = "/api/v3/repos/acme/app/actions/oidc/customization/sub";
        // GitHub's default template names the repository: nothing to report
        answers.put(repoTemplate, "{\"use_default\":true}");
        assertThat(subject(Optional.of(token))).isEmpty();
        // a repository template with repo or repository_id in it is fine too
        answers.put(repoTemplate, "{\"use_default\":false,\"include_claim_keys\":[\"repository_id\",\"context\"]}");
        assertThat(subject(Optional.of(token))).isEmpty();

        answers.put(repoTemplate, "{\"use_default\":false,\"include_claim_keys\":[\"repository_owner\",\"context\"]}");
        assertThat(subject(Optional.of(token))).singleElement().satisfies(f -> {
            assertThat(f.checkId()).isEqualTo("KH501");
            assertThat(f.severity()).isEqualTo(Severity.MEDIUM);
            assertThat(f.message()).contains("the repository's subject claim template (repository_owner, context) names the owner but not the repository");
        });
        answers.put(repoTemplate, "{\"use_default\":false,\"include_claim_keys\":[\"context\",\"job_workflow_ref\"]}");
        assertThat(subject(Optional.of(token))).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.HIGH);
            assertThat(f.message()).contains("names neither the repository nor its owner");
        });
    }

    @Test
    void withoutKeysOfItsOwnTheRepositoryUsesTheOrganizationsTemplate() {
        answers.put("/api/v3/repos/acme/app/actions/oidc/customization/sub", "{\"use_default\":false}");
        // no organization template (or a user account): GitHub's default applies
        assertThat(subject(Optional.of(token))).isEmpty();
        answers.put("/api/v3/orgs/acme/actions/oidc/customization/sub", "{\"include_claim_keys\":[\"environment\"]}");
        assertThat(subject(Optional.of(token))).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.HIGH);
            assertThat(f.message()).contains("the organization's subject claim template (environment)");
        });
        answers.put("/api/v3/orgs/acme/actions/oidc/customization/sub", "{\"message\":\"Must have admin rights to Repository.\"}");
        statuses.put("/api/v3/orgs/acme/actions/oidc/customization/sub", 403);
        assertThat(subject(Optional.of(token))).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).startsWith("not verified online: the OIDC subject claim template of the organization");
        });
    }

    @Test
    void anUnreadableSubjectTemplateIsNotVerifiedNeverPassed() {
        assertThat(subject(Optional.empty())).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.message()).startsWith("not verified online: the OIDC subject claim template");
        });
    }

    List<Finding> policy() {
        return new OnlineChecks(new GitHubApi(base, Optional.of(token)), "acme/app").run(Set.of("KH403"));
    }

    @Test
    void anActionsPolicyThatAllowsAnyUnpinnedActionIsReported() {
        String repoPolicy = "/api/v3/repos/acme/app/actions/permissions";
        String orgPolicy = "/api/v3/orgs/acme/actions/permissions";
        answers.put(repoPolicy, "{\"enabled\":true,\"allowed_actions\":\"all\",\"sha_pinning_required\":false}");
        assertThat(policy()).singleElement().satisfies(f -> {
            assertThat(f.checkId()).isEqualTo("KH403");
            assertThat(f.severity()).isEqualTo(Severity.LOW);
            assertThat(f.message()).contains("any action from any owner", "SHA pinning is not required");
        });
        // the organization's policy restricts what the repository allows: nothing to report
        answers.put(orgPolicy, "{\"enabled_repositories\":\"all\",\"allowed_actions\":\"all\",\"sha_pinning_required\":true}");
        assertThat(policy()).isEmpty();
        answers.remove(orgPolicy);
        for (String restricted : List.of("{\"enabled\":true,\"allowed_actions\":\"selected\"}", "{\"enabled\":true,\"allowed_actions\":\"local_only\"}",
                "{\"enabled\":true,\"allowed_actions\":\"all\",\"sha_pinning_required\":true}", "{\"enabled\":false}")) {
            answers.put(repoPolicy, restricted);
            assertThat(policy()).as(restricted).isEmpty();
        }
        answers.remove(repoPolicy);
        assertThat(policy()).singleElement().satisfies(f -> assertThat(f.message()).startsWith("not verified online: the Actions policy"));
    }
}
