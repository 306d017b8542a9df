package dev.keyhaven.doctor.online;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Location;
import dev.keyhaven.doctor.Severity;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings half of some checks, read from the GitHub API ({@code keyhaven doctor --online}); offline these are
 * not verified. Each result carries the id of the check it completes:
 * <ul>
 *   <li>KH401: the repository's default {@code GITHUB_TOKEN} permission is read and write; Actions may approve pull requests;</li>
 *   <li>KH303: GitHub secret scanning or push protection is off;</li>
 *   <li>KH403: any action from any owner may run without being pinned to a commit SHA (repository and organization
 *   Actions policy);</li>
 *   <li>KH306: the default branch is unprotected, or does not require code-owner review (branch protection or rulesets);</li>
 *   <li>KH413: a deployment environment has neither required reviewers nor a deployment branch policy;</li>
 *   <li>KH501: the OIDC subject claim template (the repository's, else its organization's) leaves the repository, or
 *   even its owner, out of {@code sub}.</li>
 * </ul>
 * What the API does not tell (no token, too little permission, unreachable) becomes an info result saying it is not
 * verified, never a pass.
 */
public final class OnlineChecks {
    private static final Pattern REMOTE = Pattern.compile("(?:https?://(?:[^@/]+@)?|ssh://git@|git@)github\\.com[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\\.git)?/?");
    private static final Pattern SLUG = Pattern.compile("[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+");

    private final GitHubApi api;
    private final String owner;
    private final String repo;

    public OnlineChecks(GitHubApi api, String ownerSlashRepo) {
        if (!SLUG.matcher(ownerSlashRepo).matches()) throw new IllegalArgumentException("expected OWNER/REPO");
        this.api = api;
        String[] p = ownerSlashRepo.split("/");
        this.owner = p[0];
        this.repo = p[1];
    }

    /** Whether {@code s} looks like {@code OWNER/REPO}. */
    public static boolean isSlug(String s) {
        return s != null && SLUG.matcher(s).matches() && !s.contains("..");
    }

    /** {@code OWNER/REPO} of a github.com remote URL (https or ssh), if it is one. */
    public static Optional<String> slugOfRemote(String url) {
        Matcher m = REMOTE.matcher(url.strip());
        return m.matches() ? Optional.of(m.group(1) + "/" + m.group(2)) : Optional.empty();
    }

    /** Runs the online parts of the selected checks ({@code ids}: KH401, KH303, KH306, KH403, KH413, KH501). */
    public List<Finding> run(Set<String> ids) {
        List<Finding> out = new ArrayList<>();
        String r = "repos/" + owner + "/" + repo;
        JsonNode repoInfo = null;
        String repoProblem = null;
        if (ids.contains("KH303") || ids.contains("KH306")) {
            try {
                repoInfo = api.get(r);
            } catch (GitHubApi.Unavailable e) {
                repoProblem = e.getMessage();
            }
        }
        if (ids.contains("KH401")) workflowPermissions(r, out);
        if (ids.contains("KH303")) secretScanning(repoInfo, repoProblem, out);
        if (ids.contains("KH306")) branchProtection(r, repoInfo, repoProblem, out);
        if (ids.contains("KH403")) actionsPolicy(r, out);
        if (ids.contains("KH413")) environments(r, out);
        if (ids.contains("KH501")) oidcSubject(r, out);
        return out;
    }

    /**
     * KH403: the Actions policy. A repository that allows all actions and does not require SHA pinning runs whatever
     * a tag or branch of any action points at today; the organization's policy, when readable, may already restrict
     * it (allowed actions other than {@code all}, or SHA pinning required), which passes.
     */
    private void actionsPolicy(String r, List<Finding> out) {
        JsonNode p;
        try {
            p = api.get(r + "/actions/permissions");
        } catch (GitHubApi.Unavailable e) {
            out.add(unverified("KH403", "the Actions policy (allowed actions, SHA pinning)", e.getMessage()));
            return;
        }
        if (!p.path("enabled").asBoolean(true) || restricts(p)) return;
        try {
            if (restricts(api.get("orgs/" + owner + "/actions/permissions"))) return;
        } catch (GitHubApi.Unavailable e) {
            // a user account (404) or no organization administration read: the repository's setting is what we know
        }
        out.add(found("KH403", Severity.LOW, "repository setting: GitHub Actions may run any action from any owner, and SHA pinning is not "
                + "required, so an action's moved tag or branch runs here unreviewed (Settings > Actions > General: allow selected "
                + "actions, or require actions to be pinned to a full-length commit SHA)", "actions-policy"));
    }

    private static boolean restricts(JsonNode policy) {
        String allowed = policy.path("allowed_actions").asText("all");
        return !allowed.equals("all") || policy.path("sha_pinning_required").asBoolean(false);
    }

    /**
     * KH501: GitHub's default {@code sub} names the repository ({@code repo:OWNER/REPO:...}); a customized template
     * may not. The repository's template applies, or with {@code use_default: false} and no keys its organization's
     * (GitHub's default when the organization has none). Without {@code repo} or {@code repository_id} in it, a cloud
     * or Keyhaven trust rule that checks only {@code sub} also admits other repositories: those of the same owner
     * when the owner is in it (medium), any repository on GitHub when not (high).
     */
    private void oidcSubject(String r, List<Finding> out) {
        String what = "the OIDC subject claim template";
        List<String> keys = new ArrayList<>();
        String source;
        try {
            JsonNode t = api.get(r + "/actions/oidc/customization/sub");
            if (t.path("use_default").asBoolean(true)) return; // GitHub's default template
            for (JsonNode k : t.path("include_claim_keys")) keys.add(k.asText());
            source = "the repository's";
            if (keys.isEmpty()) {
                try {
                    for (JsonNode k : api.get("orgs/" + owner + "/actions/oidc/customization/sub").path("include_claim_keys")) keys.add(k.asText());
                } catch (GitHubApi.Unavailable e) {
                    if (e.status == 404 && api.hasToken()) return; // a user account, or no organization template: the default
                    out.add(unverified("KH501", what + " of the organization", e.getMessage()));
                    return;
                }
                if (keys.isEmpty()) return;
                source = "the organization's";
            }
        } catch (GitHubApi.Unavailable e) {
            out.add(unverified("KH501", what, e.getMessage()));
            return;
        }
        String shown = printable(String.join(", ", keys));
        if (keys.contains("repo") || keys.contains("repository_id")) return;
        if (keys.contains("repository_owner") || keys.contains("repository_owner_id")) {
            out.add(found("KH501", Severity.MEDIUM, "OIDC: " + source + " subject claim template (" + shown + ") names the owner but not the "
                    + "repository, so a trust policy or jwt role that checks only sub also admits the owner's other repositories; add repo or "
                    + "repository_id to the template, or bind those claims too", "oidc-sub:owner-only"));
        } else {
            out.add(found("KH501", Severity.HIGH, "OIDC: " + source + " subject claim template (" + shown + ") names neither the repository "
                    + "nor its owner, so workflows in any repository on GitHub can present the same sub; add repo or repository_id (and "
                    + "repository_owner_id) to the template, and bind them in every trust policy", "oidc-sub:no-repo"));
        }
    }

    private void workflowPermissions(String r, List<Finding> out) {
        try {
            JsonNode p = api.get(r + "/actions/permissions/workflow");
            if ("write".equals(p.path("default_workflow_permissions").asText())) {
                out.add(found("KH401", Severity.HIGH, "repository setting: the default GITHUB_TOKEN permission is read and write, so every job "
                        + "without a permissions: block can push, publish and edit issues (Settings > Actions > General > Workflow permissions: read)", "default-write"));
            }
            if (p.path("can_approve_pull_request_reviews").asBoolean(false)) {
                out.add(found("KH401", Severity.MEDIUM, "repository setting: GitHub Actions may create and approve pull requests, so a workflow "
                        + "can approve its own change past required reviews", "actions-approve"));
            }
        } catch (GitHubApi.Unavailable e) {
            out.add(unverified("KH401", "default workflow permissions", e.getMessage()));
        }
    }

    private void secretScanning(JsonNode info, String problem, List<Finding> out) {
        if (info == null) {
            out.add(unverified("KH303", "secret scanning and push protection", problem));
            return;
        }
        JsonNode sa = info.path("security_and_analysis");
        if (sa.isMissingNode() || sa.isNull()) {
            out.add(unverified("KH303", "secret scanning and push protection", "the API shows security_and_analysis only to administrators"));
            return;
        }
        if (!"enabled".equals(sa.path("secret_scanning").path("status").asText())) {
            out.add(found("KH303", Severity.MEDIUM, "repository setting: GitHub secret scanning is off, so leaked tokens of known providers "
                    + "are not reported or revoked (Settings > Code security)", "secret-scanning"));
        }
        if (!"enabled".equals(sa.path("secret_scanning_push_protection").path("status").asText())) {
            out.add(found("KH303", Severity.MEDIUM, "repository setting: secret scanning push protection is off, so a push containing a "
                    + "known token is accepted", "push-protection"));
        }
    }

    /**
     * KH306: whether the default branch requires a pull request review by code owners, from classic branch protection
     * and from rulesets (the active rules for the branch, whatever level they are set at); either one suffices.
     */
    private void branchProtection(String r, JsonNode info, String problem, List<Finding> out) {
        if (info == null) {
            out.add(unverified("KH306", "default branch protection", problem));
            return;
        }
        String branch = info.path("default_branch").asText("");
        if (branch.isEmpty()) {
            out.add(unverified("KH306", "default branch protection", "the API named no default branch"));
            return;
        }
        String b = URLEncoder.encode(branch, StandardCharsets.UTF_8);
        boolean protectedAny = false;
        boolean review = false;
        boolean codeOwners = false;
        String unknown = null;
        try {
            for (JsonNode rule : api.get(r + "/rules/branches/" + b + "?per_page=100")) {
                protectedAny = true;
                if ("pull_request".equals(rule.path("type").asText())) {
                    review = true;
                    codeOwners |= rule.path("parameters").path("require_code_owner_review").asBoolean(false);
                }
            }
        } catch (GitHubApi.Unavailable e) {
            unknown = e.getMessage();
        }
        if (!codeOwners) {
            try {
                JsonNode reviews = api.get(r + "/branches/" + b + "/protection").path("required_pull_request_reviews");
                protectedAny = true;
                if (!reviews.isMissingNode() && !reviews.isNull()) {
                    review = true;
                    codeOwners |= reviews.path("require_code_owner_reviews").asBoolean(false);
                }
            } catch (GitHubApi.Unavailable e) {
                boolean notProtected = e.status == 404 && api.hasToken(); // GitHub answers 404 "Branch not protected"
                if (!notProtected) unknown = e.getMessage();
            }
        }
        String name = "'" + printable(branch) + "'";
        if (codeOwners) return;
        if (unknown != null && !review) {
            out.add(unverified("KH306", "default branch protection", unknown));
        } else if (review) {
            out.add(found("KH306", Severity.MEDIUM, "the default branch " + name + " requires a pull request review but not from code owners, "
                    + "so CODEOWNERS entries for workflows are advisory", "no-codeowner-review"));
        } else if (protectedAny) {
            out.add(found("KH306", Severity.MEDIUM, "the default branch " + name + " is protected but requires no pull request review, so "
                    + "CODEOWNERS is advisory and a workflow change can land unreviewed", "no-review"));
        } else {
            out.add(found("KH306", Severity.MEDIUM, "the default branch " + name + " is not protected (no branch protection, no ruleset): "
                    + "anyone with write access can push workflow changes directly", "unprotected"));
        }
    }

    private void environments(String r, List<Finding> out) {
        try {
            JsonNode envs = api.get(r + "/environments?per_page=100").path("environments");
            for (JsonNode env : envs) {
                String name = env.path("name").asText("");
                boolean reviewers = false;
                for (JsonNode rule : env.path("protection_rules")) if ("required_reviewers".equals(rule.path("type").asText())) reviewers = true;
                boolean branches = !env.path("deployment_branch_policy").isNull() && !env.path("deployment_branch_policy").isMissingNode();
                if (!reviewers && !branches) {
                    out.add(found("KH413", Severity.MEDIUM, "environment '" + printable(name) + "' has neither required reviewers nor a deployment "
                            + "branch policy: a workflow on any branch can use its secrets", "env:" + name));
                } else if (!reviewers) {
                    out.add(found("KH413", Severity.LOW, "environment '" + printable(name) + "' has no required reviewers: a release from an allowed "
                            + "branch needs no approval", "env-reviewers:" + name));
                }
            }
        } catch (GitHubApi.Unavailable e) {
            out.add(unverified("KH413", "environment protection rules", e.getMessage()));
        }
    }

    private Finding found(String id, Severity sev, String message, String key) {
        return new Finding(id, sev, Location.repo(), message, Finding.fingerprintOf(id, "github:" + owner + "/" + repo, key));
    }

    private Finding unverified(String id, String what, String why) {
        return new Finding(id, Severity.INFO, Location.repo(), "not verified online: " + what + " (" + why + ")",
                Finding.fingerprintOf(id, "github:" + owner + "/" + repo, "unverified:" + what));
    }

    /** {@code s} safe to print: control characters as {@code ?}, at most 100 characters. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c < 0x20 || c == 0x7f ? '?' : c);
        return b.length() > 100 ? b.substring(0, 100) + "…" : b.toString();
    }
}
