package dev.keyhaven.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code keyhaven auth ...}: auth method helpers. {@code keyhaven auth jwt role github|gitlab NAME ...} writes a
 * tight, Vault-shaped JWT role for a CI job (role_type jwt, our own audience, immutable-ID bindings, short TTLs,
 * single-use tokens) and prints the matching workflow snippet.
 */
@Command(name = "auth", description = "Auth method helpers (CI login presets).", subcommands = {AuthCommand.Jwt.class},
        footer = {"", "Example:", "  keyhaven auth jwt role github deploy --repo acme/app --repository-id 123 --owner-id 456 --environment prod --policy deploy"})
public final class AuthCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "an auth subcommand is required (jwt)");
    }

    @Command(name = "jwt", description = "JWT/OIDC auth method helpers.", subcommands = {Role.class},
            footer = {"", "Example:", "  keyhaven auth jwt role github deploy --repo acme/app --online --policy deploy --dry-run"})
    static final class Jwt implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "a jwt subcommand is required (role)");
        }
    }

    @Command(name = "role", description = "Write a CI role from a preset.", subcommands = {GitHub.class, GitLab.class},
            footer = {"", "Example:", "  keyhaven auth jwt role gitlab deploy --project platform/api --project-id 20 --namespace-id 72 --policy deploy"})
    static final class Role implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "a preset is required (github or gitlab)");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
    private static final Pattern PROJECT = Pattern.compile("[A-Za-z0-9_.-]{1,255}(/[A-Za-z0-9_.-]{1,255}){1,20}");
    private static final Pattern ID = Pattern.compile("[0-9]{1,20}");
    private static final Pattern WORKFLOW = Pattern.compile("\\.github/workflows/[A-Za-z0-9_./-]{1,200}\\.ya?ml@(refs/(heads|tags)/[^\\s@]{1,200}|[0-9a-f]{40})");
    private static final Pattern PINNED_ACTION = Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{40}");
    private static final Pattern ENV = Pattern.compile("[^\\p{Cntrl}]{1,255}");

    /** Options shared by both presets. */
    abstract static class Preset extends KvCommand.Base {
        @Parameters(index = "0", paramLabel = "NAME", description = "Role name.") String name;
        @Option(names = {"--policy", "-policy"}, required = true, paramLabel = "POLICY", description = "Policy of the issued token (repeatable).")
        List<String> policies = new ArrayList<>();
        @Option(names = {"--audience", "-audience"}, paramLabel = "AUD",
                description = "Audience the job must request (default: the server address). Never share it with another relying party.")
        String audience;
        @Option(names = {"--environment", "-environment"}, paramLabel = "ENV", description = "Deployment environment the job must use (recommended: a protected one).")
        String environment;
        @Option(names = {"--mount", "-mount"}, defaultValue = "jwt", paramLabel = "PATH", description = "Mount path of the JWT auth method (default: ${DEFAULT-VALUE}).")
        String mount;
        @Option(names = {"--online"}, description = "Look up the immutable IDs from the forge's API (uses GITHUB_TOKEN / GITLAB_TOKEN if set).")
        boolean online;
        @Option(names = {"--dry-run"}, description = "Print the role and the snippet without writing anything.")
        boolean dryRun;

        String aud() {
            String a = audience != null ? audience : client.resolveAddress();
            a = a.strip();
            while (a.endsWith("/")) a = a.substring(0, a.length() - 1);
            if (a.isEmpty()) throw new IllegalArgumentException("--audience is empty");
            return a;
        }

        void validateCommon() {
            if (!NAME.matcher(name).matches()) throw new IllegalArgumentException("role name may contain only letters, digits, '.', '_' and '-'");
            for (String p : policies) {
                if (!NAME.matcher(p).matches()) throw new IllegalArgumentException("invalid policy name: " + p);
                if (p.equalsIgnoreCase("root")) throw new IllegalArgumentException("a CI role must not grant the root policy");
            }
            if (environment != null && !ENV.matcher(environment).matches()) throw new IllegalArgumentException("invalid --environment");
            if (!NAME.matcher(mount.replace("/", "-")).matches()) throw new IllegalArgumentException("invalid --mount");
        }

        Map<String, Object> baseRole(String aud) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("role_type", "jwt");
            r.put("user_claim", "sub");
            r.put("bound_audiences", List.of(aud));
            r.put("bound_claims_type", "string");
            r.put("token_policies", policies);
            r.put("token_no_default_policy", true);
            r.put("token_ttl", "10m");
            r.put("token_max_ttl", "15m");
            r.put("token_type", "service");
            r.put("jti_replay_protection", true);
            return r;
        }

        int finish(Map<String, Object> role, String snippet) {
            String path = "auth/" + mount.replaceAll("^/+|/+$", "") + "/role/" + name;
            if (dryRun) {
                out().println("# Role (not written: --dry-run). Write it with: keyhaven auth jwt role ... without --dry-run,");
                out().println("# or: vault write " + path + " @role.json");
                out().println(json(role));
            } else {
                ApiClient.Reply reply = client.client().write(path, role);
                out().println("Success! Data written to: " + path);
                Object w = reply.body().get("warnings");
                if (w instanceof List<?> l) for (Object o : l) out().println("WARNING: " + o);
            }
            out().println("");
            out().println(snippet);
            return 0;
        }

        static String json(Object o) {
            try {
                return JSON.writeValueAsString(o);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "github", description = "A role for GitHub Actions OIDC tokens, bound to one repository (by immutable IDs).",
            footer = {"", "Examples:",
                    "  keyhaven auth jwt role github deploy --repo acme/app --repository-id 123 --owner-id 456 --environment prod \\",
                    "      --workflow .github/workflows/deploy.yml@refs/heads/main --policy deploy",
                    "  keyhaven auth jwt role github deploy --repo acme/app --online --policy deploy --dry-run"})
    static final class GitHub extends Preset {
        @Option(names = {"--repo", "-repo"}, required = true, paramLabel = "OWNER/REPO") String repo;
        @Option(names = {"--repository-id"}, paramLabel = "ID", description = "The repository's immutable numeric ID (claim repository_id).") String repositoryId;
        @Option(names = {"--owner-id"}, paramLabel = "ID", description = "The owner's immutable numeric ID (claim repository_owner_id).") String ownerId;
        @Option(names = {"--workflow", "-workflow"}, paramLabel = "PATH@REF",
                description = "Pin the workflow file and ref, e.g. .github/workflows/deploy.yml@refs/heads/main (claim job_workflow_ref).") String workflow;
        @Option(names = {"--action", "-action"}, paramLabel = "OWNER/ACTION@SHA",
                description = "The vault-action pinned to a full commit SHA, printed in the snippet.") String action;
        @Option(names = {"--github-api"}, defaultValue = "https://api.github.com", paramLabel = "URL",
                description = "GitHub API base for --online (GHES: https://HOST/api/v3).") String githubApi;

        @Override
        public Integer call() {
            validateCommon();
            if (!REPO.matcher(repo).matches()) throw new IllegalArgumentException("--repo must be OWNER/REPO");
            if (workflow != null && !WORKFLOW.matcher(workflow).matches()) {
                throw new IllegalArgumentException("--workflow must look like .github/workflows/FILE.yml@refs/heads/BRANCH (or @refs/tags/TAG, or @<40-hex SHA>)");
            }
            if (action != null && !PINNED_ACTION.matcher(action).matches()) {
                throw new IllegalArgumentException("--action must be pinned to a full 40-character commit SHA, e.g. hashicorp/vault-action@<sha>");
            }
            if (online && (repositoryId == null || ownerId == null)) {
                Map<String, Object> r = fetchJson(githubApi.replaceAll("/+$", "") + "/repos/" + repo, "GITHUB_TOKEN", "Authorization", "Bearer ");
                if (repositoryId == null) repositoryId = String.valueOf(r.get("id"));
                if (ownerId == null && r.get("owner") instanceof Map<?, ?> o) ownerId = String.valueOf(o.get("id"));
            }
            if (repositoryId == null || ownerId == null) {
                throw new IllegalArgumentException("the immutable IDs are required: pass --repository-id and --owner-id, or --online to look them up");
            }
            if (!ID.matcher(repositoryId).matches() || !ID.matcher(ownerId).matches()) throw new IllegalArgumentException("repository and owner IDs must be numbers");
            String aud = aud();
            Map<String, Object> role = role(aud);
            return finish(role, snippet(aud));
        }

        Map<String, Object> role(String aud) {
            Map<String, Object> role = baseRole(aud);
            Map<String, Object> bound = new LinkedHashMap<>();
            bound.put("repository_id", repositoryId);
            bound.put("repository_owner_id", ownerId);
            String owner = repo.substring(0, repo.indexOf('/'));
            String r = repo.substring(repo.indexOf('/') + 1);
            if (environment != null) {
                String env = environment.replace(":", "%3A");
                // Both sub shapes GitHub issues: the classic one and the immutable-ID one.
                bound.put("sub", List.of("repo:" + repo + ":environment:" + env, "repo:" + owner + "@" + ownerId + "/" + r + "@" + repositoryId + ":environment:" + env));
                bound.put("environment", environment);
            }
            if (workflow != null) bound.put("job_workflow_ref", repo + "/" + workflow);
            role.put("bound_claims", bound);
            role.put("deny_claims", Map.of("event_name", List.of("pull_request_target")));
            Map<String, Object> mappings = new LinkedHashMap<>();
            for (String c : List.of("repository", "ref", "sha", "run_id", "workflow_ref", "actor", "event_name")) mappings.put(c, c);
            role.put("claim_mappings", mappings);
            return role;
        }

        String snippet(String aud) {
            String server = client.resolveAddress().replaceAll("/+$", "");
            String act = action != null ? action : "hashicorp/vault-action@<full-commit-sha>  # pin to a commit SHA, never a tag";
            String wf = workflow == null ? ".github/workflows/deploy.yml" : workflow.substring(0, workflow.indexOf('@'));
            StringBuilder s = new StringBuilder();
            s.append("# ").append(wf).append(": the job that may log in as role \"").append(name).append("\" (review before use).\n");
            s.append("permissions:\n  contents: read          # nothing else for the other jobs\n\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n");
            if (environment != null) s.append("    environment: ").append(environment).append("   # protect it with required reviewers\n");
            s.append("    permissions:\n      contents: read\n      id-token: write       # this job only: lets it request an OIDC token\n");
            s.append("    steps:\n");
            s.append("      - name: Log in to Keyhaven and read secrets\n        id: keyhaven\n        uses: ").append(act).append('\n');
            s.append("        with:\n          url: ").append(server).append("\n          method: jwt\n          path: ").append(mount)
                    .append("\n          role: ").append(name).append("\n          jwtGithubAudience: ").append(aud)
                    .append("\n          exportToken: true\n          secrets: |\n            secret/data/app password | APP_PASSWORD\n");
            s.append("      - run: ./deploy.sh\n");
            s.append("      - name: Revoke the Keyhaven token\n        if: always()\n        run: >\n          curl -sS -X POST -H \"X-Vault-Token: $VAULT_TOKEN\" ")
                    .append(server).append("/v1/auth/token/revoke-self\n");
            return s.toString();
        }
    }

    @Command(name = "gitlab", description = "A role for GitLab CI id_tokens, bound to one project (by immutable IDs) on protected refs.",
            footer = {"", "Example:",
                    "  keyhaven auth jwt role gitlab deploy --project platform/api --project-id 20 --namespace-id 72 --environment production --policy deploy"})
    static final class GitLab extends Preset {
        @Option(names = {"--project", "-project"}, required = true, paramLabel = "GROUP/PROJECT") String project;
        @Option(names = {"--project-id"}, paramLabel = "ID", description = "The project's immutable numeric ID (claim project_id).") String projectId;
        @Option(names = {"--namespace-id"}, paramLabel = "ID", description = "The namespace's immutable numeric ID (claim namespace_id).") String namespaceId;
        @Option(names = {"--ref", "-ref"}, paramLabel = "BRANCH", description = "Pin the branch (claims ref and ref_type=branch).") String ref;
        @Option(names = {"--image", "-image"}, paramLabel = "IMAGE@sha256:DIGEST", description = "The job image pinned by digest, printed in the snippet.") String image;
        @Option(names = {"--gitlab-url"}, defaultValue = "https://gitlab.com", paramLabel = "URL", description = "GitLab base URL for --online.") String gitlabUrl;

        @Override
        public Integer call() {
            validateCommon();
            if (!PROJECT.matcher(project).matches()) throw new IllegalArgumentException("--project must be GROUP/PROJECT (subgroups allowed)");
            if (ref != null && !ENV.matcher(ref).matches()) throw new IllegalArgumentException("invalid --ref");
            if (image != null && !image.matches("[^\\s@]+@sha256:[0-9a-f]{64}")) throw new IllegalArgumentException("--image must be pinned by digest: IMAGE@sha256:<64 hex>");
            if (online && (projectId == null || namespaceId == null)) {
                Map<String, Object> p = fetchJson(gitlabUrl.replaceAll("/+$", "") + "/api/v4/projects/" + URLEncoder.encode(project, StandardCharsets.UTF_8),
                        "GITLAB_TOKEN", "PRIVATE-TOKEN", "");
                if (projectId == null) projectId = String.valueOf(p.get("id"));
                if (namespaceId == null && p.get("namespace") instanceof Map<?, ?> n) namespaceId = String.valueOf(n.get("id"));
            }
            if (projectId == null || namespaceId == null) {
                throw new IllegalArgumentException("the immutable IDs are required: pass --project-id and --namespace-id, or --online to look them up");
            }
            if (!ID.matcher(projectId).matches() || !ID.matcher(namespaceId).matches()) throw new IllegalArgumentException("project and namespace IDs must be numbers");
            String aud = aud();
            return finish(role(aud), snippet(aud));
        }

        Map<String, Object> role(String aud) {
            Map<String, Object> role = baseRole(aud);
            Map<String, Object> bound = new LinkedHashMap<>();
            bound.put("project_id", projectId);
            bound.put("namespace_id", namespaceId);
            bound.put("ref_protected", "true");
            bound.put("environment_protected", "true");
            if (environment != null) bound.put("environment", environment);
            if (ref != null) {
                bound.put("ref", ref);
                bound.put("ref_type", "branch");
            }
            role.put("bound_claims", bound);
            Map<String, Object> mappings = new LinkedHashMap<>();
            for (String c : List.of("project_path", "ref", "sha", "pipeline_id", "job_id", "user_login")) mappings.put(c, c);
            role.put("claim_mappings", mappings);
            return role;
        }

        String snippet(String aud) {
            String server = client.resolveAddress().replaceAll("/+$", "");
            String img = image != null ? image : "curlimages/curl@sha256:<digest>   # pin the image by digest";
            String loginUrl = server + "/v1/auth/" + mount + "/login";
            StringBuilder s = new StringBuilder();
            s.append("# .gitlab-ci.yml: the job that may log in as role \"").append(name).append("\" (review before use).\n");
            s.append("deploy:\n  stage: deploy\n  image: ").append(img).append('\n');
            s.append("  environment: ").append(environment == null ? "production" : environment).append("   # a protected environment\n");
            if (ref != null) s.append("  rules:\n    - if: $CI_COMMIT_BRANCH == \"").append(ref).append("\"\n");
            s.append("  id_tokens:\n    KEYHAVEN_ID_TOKEN:      # only this job gets a token\n      aud: ").append(aud).append('\n');
            s.append("  script:\n");
            s.append("    - >\n      KEYHAVEN_TOKEN=$(curl -sSf -X POST -H 'Content-Type: application/json'\n      --data \"{\\\"role\\\":\\\"").append(name)
                    .append("\\\",\\\"jwt\\\":\\\"$KEYHAVEN_ID_TOKEN\\\"}\"\n      ").append(loginUrl).append(" | sed -E 's/.*\"client_token\":\"([^\"]+)\".*/\\1/')\n");
            s.append("    - trap 'curl -sS -X POST -H \"X-Vault-Token: $KEYHAVEN_TOKEN\" ").append(server).append("/v1/auth/token/revoke-self' EXIT\n");
            s.append("    - ./deploy.sh   # read secrets with $KEYHAVEN_TOKEN\n");
            return s.toString();
        }
    }

    /** GET a JSON object from a forge API (IDs lookup). Tokens come only from the environment and are never printed. */
    static Map<String, Object> fetchJson(String url, String tokenEnv, String header, String prefix) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid API URL");
        }
        if (!"https".equals(uri.getScheme()) && !"127.0.0.1".equals(uri.getHost()) && !"localhost".equals(uri.getHost())) {
            throw new IllegalArgumentException("the forge API must be reached over https");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).header("Accept", "application/json").GET();
        String token = ClientOptions.env.get(tokenEnv);
        if (token != null && !token.isBlank()) b.header(header, prefix + token.strip());
        try {
            HttpResponse<byte[]> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 404) throw new ApiClient.ApiException(404, List.of(), "not found at " + uri.getHost() + " (private? set " + tokenEnv + ")", Map.of());
            if (r.statusCode() != 200) throw new ApiClient.ApiException(r.statusCode(), List.of(), "lookup at " + uri.getHost() + " failed with HTTP " + r.statusCode(), Map.of());
            Object v = new ObjectMapper().readValue(r.body(), Object.class);
            if (!(v instanceof Map<?, ?> m)) throw new ApiClient.ApiException(0, List.of(), "unexpected answer from " + uri.getHost(), Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) m;
            return out;
        } catch (IOException e) {
            throw new ApiClient.ApiException(0, List.of(), "lookup at " + uri.getHost() + " failed: " + e.getClass().getSimpleName(), Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiClient.ApiException(0, List.of(), "interrupted", Map.of());
        }
    }
}
