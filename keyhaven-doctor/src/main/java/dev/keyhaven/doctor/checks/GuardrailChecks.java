package dev.keyhaven.doctor.checks;

import static dev.keyhaven.doctor.Family.GUARDRAILS;

import dev.keyhaven.doctor.AbstractCheck;
import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Location;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.Severity;
import dev.keyhaven.doctor.gha.Job;
import dev.keyhaven.doctor.gha.Step;
import dev.keyhaven.doctor.gha.Workflow;
import dev.keyhaven.doctor.suppress.Suppressions;
import dev.keyhaven.doctor.yaml.Y;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/** KH301–KH308: guardrails and governance. */
public final class GuardrailChecks {
    private GuardrailChecks() {}

    public static List<Check> all() {
        return List.of(new PrecommitSecretScan(), new BaselineHealth(), new CiSecretScan(), new UnexplainedSuppression(),
                new SecurityPolicy(), new CodeownersGuard(), new DependencyUpdates(), new SupplyChainCi());
    }

    static final Set<String> SCANNER_HOOKS = Set.of("keyhaven-scan", "keyhaven", "gitleaks", "gitleaks-docker", "gitleaks-system",
            "detect-secrets", "trufflehog", "ggshield", "git-secrets", "secretlint", "talisman-commit", "ripsecrets");
    static final Pattern BRANCH_REV = Pattern.compile("^(main|master|develop|dev|trunk|head|latest|stable)$", Pattern.CASE_INSENSITIVE);

    static final class PrecommitSecretScan extends AbstractCheck {
        PrecommitSecretScan() {
            super("KH301", "precommit-secret-scan", GUARDRAILS, Severity.MEDIUM,
                    ".pre-commit-config.yaml with a pinned secret-scanner hook over https",
                    "stops a leak before the first commit exists, which is the only cheap moment to stop it",
                    "add the keyhaven-scan hook (repo: https://…/keyhaven, rev: a tag or SHA) to .pre-commit-config.yaml");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            String f = ".pre-commit-config.yaml";
            if (!ctx.exists(f)) {
                out.add(found(Location.repo(), "no .pre-commit-config.yaml: nothing scans commits for secrets before they are made", "missing"));
                return out;
            }
            Node root = ctx.yaml(f).root().orElse(null);
            boolean has = false;
            for (Node repo : Y.seq(Y.get(root, "repos").orElse(null))) {
                String url = Y.str(repo, "repo").orElse("");
                boolean scanner = false;
                for (Node h : Y.seq(Y.get(repo, "hooks").orElse(null))) {
                    if (SCANNER_HOOKS.contains(Y.str(h, "id").orElse("").toLowerCase(Locale.ROOT))) scanner = true;
                }
                if (!scanner) continue;
                has = true;
                if (url.equals("local") || url.equals("meta")) continue;
                if (!url.startsWith("https://")) out.add(found(new Location(f, Y.line(repo)), "secret-scanner hook repo '" + url + "' is not fetched over https", "https/" + url));
                String rev = Y.str(repo, "rev").orElse("");
                if (rev.isEmpty() || BRANCH_REV.matcher(rev).matches()) {
                    out.add(found(new Location(f, Y.get(repo, "rev").map(Y::line).orElse(Y.line(repo))), "secret-scanner hook '" + url + "' is pinned to branch '" + rev + "', not a tag or SHA", "rev/" + url));
                }
            }
            if (!has) out.add(found(Location.file(f), "no secret-scanning hook (" + String.join(", ", new java.util.TreeSet<>(SCANNER_HOOKS)) + ") in .pre-commit-config.yaml", "nohook"));
            return out;
        }
    }

    static final class BaselineHealth extends AbstractCheck {
        static final List<String> BASELINES = List.of(".keyhaven/baseline.json", ".keyhaven-baseline.json", ".secrets.baseline", "gitleaks-baseline.json", ".gitleaks-baseline.json");

        BaselineHealth() {
            super("KH302", "baseline-health", GUARDRAILS, Severity.MEDIUM,
                    "secret-scan baseline parses, points at existing files and lines, and stores no raw values",
                    "a stale or over-wide baseline silently hides new leaks in the same places",
                    "regenerate with 'keyhaven scan --update-baseline' and review every entry");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String b : BASELINES) {
                if (!ctx.exists(b)) continue;
                var yf = ctx.yaml(b); // JSON is YAML; gives line numbers
                if (yf.error().isPresent() || yf.root().isEmpty()) {
                    out.add(found(new Location(b, Math.max(1, yf.errorLine())), "baseline does not parse", b + "/parse"));
                    continue;
                }
                List<Node> entries = new ArrayList<>();
                Node root = yf.root().get();
                if (Y.isSeq(root)) entries.addAll(Y.seq(root));
                Y.get(root, "findings").ifPresent(n -> entries.addAll(Y.seq(n)));
                Y.get(root, "entries").ifPresent(n -> entries.addAll(Y.seq(n)));
                // detect-secrets: results: {file: [ {line_number, hashed_secret} ]}
                Y.get(root, "results").ifPresent(r -> Y.entries(r).forEach((file, list) -> {
                    for (Node e : Y.seq(list)) entries.add(e);
                    if (!ctx.exists(file)) out.add(found(new Location(b, Y.line(list)), "baseline entry for '" + file + "', which no longer exists", b + "/gone/" + file));
                }));
                for (Node e : entries) {
                    Map<String, Node> m = Y.entries(e);
                    String file = Y.text(m.getOrDefault("file", m.getOrDefault("File", m.getOrDefault("path", m.get("filename")))));
                    for (String raw : new String[] {"secret", "Secret", "match", "Match", "value"}) {
                        if (m.containsKey(raw) && !Y.text(m.get(raw)).isBlank()) {
                            out.add(found(new Location(b, Y.line(m.get(raw))), "baseline entry stores the raw '" + raw + "' value instead of a fingerprint", b + "/raw/" + Y.line(e)));
                        }
                    }
                    if (!file.isEmpty() && !ctx.exists(file)) {
                        out.add(found(new Location(b, Y.line(e)), "baseline entry points at '" + file + "', which no longer exists", b + "/gone/" + file + "/" + Y.line(e)));
                    } else if (!file.isEmpty()) {
                        String ln = Y.text(m.getOrDefault("line", m.getOrDefault("StartLine", m.get("line_number"))));
                        if (ln.matches("\\d+")) {
                            long lines = ctx.text(file).map(t -> t.lines().count()).orElse(Long.MAX_VALUE);
                            if (Long.parseLong(ln) > lines) out.add(found(new Location(b, Y.line(e)), "baseline entry points past the end of '" + file + "'", b + "/line/" + file + "/" + ln));
                        }
                    }
                }
            }
            return out;
        }
    }

    static final Pattern SCAN_RUN = Pattern.compile("\\bkeyhaven(\\.jar)?\\b[^\\n]*\\bscan\\b|\\bgitleaks\\s+(detect|git|dir|protect)\\b|\\btrufflehog\\b|\\bdetect-secrets\\b|\\bggshield\\s+secret\\b|\\bsecretlint\\b|dev\\.keyhaven\\.cli\\.Main\\s+scan");
    static final String[] SCAN_ACTIONS = {"gitleaks/gitleaks-action", "trufflesecurity/trufflehog", "gitguardian/ggshield-action", "keyhaven/scan-action"};

    static boolean scansSecrets(Step s) {
        for (String a : SCAN_ACTIONS) if (s.usesAction(a)) return true;
        return s.run().filter(r -> SCAN_RUN.matcher(r).find()).isPresent();
    }

    static final class CiSecretScan extends AbstractCheck {
        CiSecretScan() {
            super("KH303", "ci-secret-scan", GUARDRAILS, Severity.MEDIUM,
                    "a CI job runs a secret scanner on push/pull request, plus a scheduled scan",
                    "the second line of defence for commits made without the pre-commit hook",
                    "add a workflow job that runs 'keyhaven scan' on push and pull_request, and a scheduled full-history run");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            boolean onChange = false;
            boolean scheduled = false;
            for (Workflow wf : ctx.workflows()) {
                boolean scans = wf.jobs().stream().flatMap(j -> j.steps().stream()).anyMatch(GuardrailChecks::scansSecrets);
                if (!scans) continue;
                if (wf.triggeredBy("push", "pull_request", "merge_group")) onChange = true;
                if (wf.triggeredBy("schedule")) scheduled = true;
            }
            if (ctx.exists(".gitlab-ci.yml")) {
                String t = ctx.text(".gitlab-ci.yml").orElse("");
                Node root = ctx.yaml(".gitlab-ci.yml").root().orElse(null);
                boolean template = false;
                for (Node inc : Y.seq(Y.get(root, "include").orElse(null))) {
                    if (Y.str(inc, "template").orElse(Y.text(inc)).contains("Secret-Detection")) template = true;
                }
                if (template || SCAN_RUN.matcher(t).find()) { onChange = true; scheduled = true; }
            }
            if (!onChange) out.add(found(Location.repo(), "no CI job runs a secret scanner on push or pull request", "ci"));
            else if (!scheduled) out.add(found(Severity.LOW, Location.repo(), "secret scanning runs on changes but there is no scheduled (full-history) scan", "schedule"));
            return out;
        }
    }

    static final class UnexplainedSuppression extends AbstractCheck {
        UnexplainedSuppression() {
            super("KH304", "unexplained-suppression", GUARDRAILS, Severity.LOW,
                    "keyhaven/gitleaks/detect-secrets/nosec/zizmor suppressions without a reason, or past their expiry",
                    "suppressions outlive the reason they were added for and quietly hide new problems",
                    "add 'reason: …' (and 'until: YYYY-MM-DD') to every suppression, or remove it");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (Suppressions.Problem p : Suppressions.problems(ctx)) {
                out.add(found(p.location(), p.message(), p.location().path() + "/" + p.location().line()));
            }
            return out;
        }
    }

    static final class SecurityPolicy extends AbstractCheck {
        private static final Pattern CONTACT = Pattern.compile("[\\w.+-]+@[\\w-]+\\.[\\w.-]+|https?://\\S+");
        private static final Pattern DISCLOSURE = Pattern.compile("(?i)(vulnerab|disclos|report|security advisor)");

        SecurityPolicy() {
            super("KH305", "security-policy", GUARDRAILS, Severity.LOW,
                    "SECURITY.md in the root, .github/ or docs/ with a contact (email or URL) and disclosure text",
                    "without a private reporting path, vulnerabilities get reported in public issues",
                    "add SECURITY.md with supported versions, a private contact (advisory URL or email) and a disclosure timeline");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            for (String p : new String[] {"SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md", "SECURITY.rst", "SECURITY"}) {
                Optional<String> t = ctx.text(p);
                if (t.isEmpty()) continue;
                List<String> missing = new ArrayList<>();
                if (!CONTACT.matcher(t.get()).find()) missing.add("a contact (email or URL)");
                if (!DISCLOSURE.matcher(t.get()).find()) missing.add("disclosure/reporting text");
                return missing.isEmpty() ? List.of() : List.of(found(Location.file(p), p + " lacks " + String.join(" and ", missing), "content"));
            }
            return List.of(found(Location.repo(), "no SECURITY.md (root, .github/ or docs/)", "missing"));
        }
    }

    static final class CodeownersGuard extends AbstractCheck {
        CodeownersGuard() {
            super("KH306", "codeowners-guard", GUARDRAILS, Severity.MEDIUM,
                    "CODEOWNERS exists, parses, and owns .github/workflows/**, .github/actions/**, Dockerfiles and CODEOWNERS itself",
                    "editing a workflow is the shortest path to the repository's secrets; it needs an owner's review",
                    "add e.g. '/.github/ @org/security' and '/**/Dockerfile @org/platform' to CODEOWNERS and require code-owner review");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            String f = null;
            for (String p : new String[] {".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}) if (ctx.exists(p)) { f = p; break; }
            if (f == null) return List.of(found(Location.repo(), "no CODEOWNERS file (.github/, root or docs/)", "missing"));
            CodeOwners co = CodeOwners.parse(ctx.text(f).orElse(""));
            for (CodeOwners.Problem pr : co.problems()) out.add(found(new Location(f, pr.line()), pr.message(), "parse/" + pr.line()));
            Set<String> probes = new LinkedHashSet<>();
            probes.add(".github/workflows/ci.yml");
            probes.add(f);
            if (ctx.files().stream().anyMatch(x -> x.startsWith(".github/actions/"))) probes.add(".github/actions/x/action.yml");
            ctx.dockerfilePaths().stream().limit(20).forEach(probes::add);
            List<String> unowned = new ArrayList<>();
            for (String p : probes) if (co.owners(p).isEmpty()) unowned.add(p);
            if (!unowned.isEmpty()) out.add(found(Location.file(f), "no owner for " + String.join(", ", unowned), "unowned"));
            return out;
        }
    }

    static final class DependencyUpdates extends AbstractCheck {
        DependencyUpdates() {
            super("KH307", "dependency-updates", GUARDRAILS, Severity.MEDIUM,
                    "Dependabot/Renovate config covering every detected ecosystem plus github-actions and docker, with a cooldown",
                    "pinned dependencies without automated updates go stale; updates without a cooldown pull in freshly-published malicious releases",
                    "add .github/dependabot.yml with one entry per ecosystem (including github-actions) and 'cooldown: default-days: 7'");
        }

        static Set<String> detectEcosystems(RepoContext ctx) {
            Set<String> eco = new LinkedHashSet<>();
            for (String f : ctx.files()) {
                String n = RepoContext.lowerName(f);
                if (n.equals("pom.xml")) eco.add("maven");
                else if (n.startsWith("build.gradle") || n.startsWith("settings.gradle")) eco.add("gradle");
                else if (n.equals("package.json")) eco.add("npm");
                else if (n.equals("pyproject.toml") || n.equals("setup.py") || n.matches("requirements.*\\.txt") || n.equals("pipfile")) eco.add("pip");
                else if (n.equals("go.mod")) eco.add("gomod");
                else if (n.equals("cargo.toml")) eco.add("cargo");
                else if (n.equals("gemfile")) eco.add("bundler");
                else if (n.equals("composer.json")) eco.add("composer");
                else if (n.endsWith(".csproj") || n.endsWith(".fsproj")) eco.add("nuget");
                else if (n.endsWith(".tf")) eco.add("terraform");
                else if (RepoContext.isDockerfile(f)) eco.add("docker");
                else if (RepoContext.isWorkflow(f)) eco.add("github-actions");
            }
            return eco;
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            Set<String> eco = detectEcosystems(ctx);
            String dep = ctx.exists(".github/dependabot.yml") ? ".github/dependabot.yml" : ctx.exists(".github/dependabot.yaml") ? ".github/dependabot.yaml" : null;
            String renovate = null;
            for (String r : new String[] {"renovate.json", "renovate.json5", ".github/renovate.json", ".github/renovate.json5", ".renovaterc", ".renovaterc.json"}) {
                if (ctx.exists(r)) { renovate = r; break; }
            }
            if (dep == null && renovate == null) {
                if (!eco.isEmpty()) out.add(found(Location.repo(), "no Dependabot or Renovate configuration for " + eco, "missing"));
                return out;
            }
            if (dep != null) {
                Node root = ctx.yaml(dep).root().orElse(null);
                Set<String> covered = new LinkedHashSet<>();
                for (Node u : Y.seq(Y.get(root, "updates").orElse(null))) {
                    String e = Y.str(u, "package-ecosystem").orElse("");
                    covered.add(e.equals("docker-compose") ? "docker" : e);
                    Optional<Node> cd = Y.at(u, "cooldown", "default-days");
                    if (cd.isEmpty() || !Y.text(cd.get()).matches("\\d+") || Integer.parseInt(Y.text(cd.get())) < 7) {
                        out.add(found(Severity.LOW, new Location(dep, Y.line(u)), "update entry for '" + e + "' has no cooldown of at least 7 days", "cooldown/" + e + "/" + Y.str(u, "directory").orElse("/")));
                    }
                    Y.get(u, "insecure-external-code-execution").filter(n -> Y.text(n).equals("allow")).ifPresent(n ->
                            out.add(found(new Location(dep, Y.line(n)), "insecure-external-code-execution: allow lets dependency manifests run code during updates", "insecure/" + e)));
                }
                Set<String> missing = new LinkedHashSet<>(eco);
                missing.removeAll(covered);
                if (!missing.isEmpty()) out.add(found(Location.file(dep), "Dependabot does not cover " + missing, "uncovered"));
            } else {
                String t = ctx.text(renovate).orElse("");
                if (t.contains("\"enabledManagers\"")) {
                    List<String> missing = eco.stream().filter(e -> !t.contains("\"" + (e.equals("github-actions") ? "github-actions" : e) + "\"")).toList();
                    if (!missing.isEmpty()) out.add(found(Location.file(renovate), "Renovate enabledManagers leaves out " + missing, "uncovered"));
                }
                if (!t.contains("minimumReleaseAge") && !t.contains("stabilityDays")) {
                    out.add(found(Severity.LOW, Location.file(renovate), "Renovate has no minimumReleaseAge (cooldown)", "cooldown"));
                }
            }
            return out;
        }
    }

    static final class SupplyChainCi extends AbstractCheck {
        private static final Pattern SCA = Pattern.compile("(?i)osv-scanner|dependency-check|trivy|grype|pip-audit|npm audit|dependency-review-action|snyk|govulncheck|cargo audit|bundler-audit");
        private static final Pattern SAST = Pattern.compile("(?i)codeql-action|semgrep|spotbugs|sonar|gosec|bandit|errorprone|zizmor|actionlint");
        private static final Pattern SIGN = Pattern.compile("(?i)cosign|attest-build-provenance|actions/attest|slsa-github-generator|cyclonedx|syft|sbom-action|spdx");

        SupplyChainCi() {
            super("KH308", "supply-chain-ci", GUARDRAILS, Severity.LOW,
                    "CI runs an SCA tool, a static analyser, and produces an SBOM/signature on release",
                    "known-vulnerable dependencies and unsigned artifacts are the everyday supply-chain risks",
                    "add osv-scanner (or dependency-check) and a SAST job; attach an SBOM and a signature/provenance to releases");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            StringBuilder all = new StringBuilder();
            for (Workflow wf : ctx.workflows()) {
                for (Job j : wf.jobs()) {
                    j.uses().ifPresent(all::append);
                    for (Step s : j.steps()) { all.append(s.uses().orElse("")).append('\n').append(s.run().orElse("")).append('\n'); }
                }
            }
            ctx.text(".gitlab-ci.yml").ifPresent(all::append);
            if (ctx.workflows().isEmpty() && !ctx.exists(".gitlab-ci.yml")) return List.of();
            List<Finding> out = new ArrayList<>();
            if (!SCA.matcher(all).find()) out.add(found(Location.repo(), "no dependency vulnerability scan (osv-scanner, dependency-check, trivy, grype, …) in CI", "sca"));
            if (!SAST.matcher(all).find()) out.add(found(Location.repo(), "no static analysis (CodeQL, Semgrep, SpotBugs, zizmor, …) in CI", "sast"));
            boolean releases = ctx.workflows().stream().anyMatch(Workflow::isReleaseWorkflow);
            if (releases && !SIGN.matcher(all).find()) out.add(found(Location.repo(), "releases are published without an SBOM or signature/provenance", "sign"));
            return out;
        }
    }
}
