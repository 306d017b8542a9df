package dev.keyhaven.doctor.checks;

import static dev.keyhaven.doctor.Family.CI_TRUST;

import dev.keyhaven.doctor.AbstractCheck;
import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Location;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.Severity;
import dev.keyhaven.doctor.yaml.Y;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/** KH501–KH503: OIDC trust policies and JWT roles kept in the repository, and GitLab CI's id token hygiene. */
public final class TrustChecks {
    private TrustChecks() {}

    public static List<Check> all() {
        return List.of(new CloudOidcTrustTooBroad(), new VaultJwtRoleTooBroad(), new GitlabIdTokenHygiene());
    }

    static final String GH_ISSUER = "token.actions.githubusercontent.com";

    static boolean jsonOrYaml(String f) {
        String n = RepoContext.lowerName(f);
        return (n.endsWith(".json") || RepoContext.isYaml(f)) && !RepoContext.isWorkflow(f);
    }

    static final class CloudOidcTrustTooBroad extends AbstractCheck {
        CloudOidcTrustTooBroad() {
            super("KH501", "cloud-oidc-trust-too-broad", CI_TRUST, Severity.CRITICAL,
                    "IAM trust policies (JSON, CloudFormation YAML) for token.actions.githubusercontent.com: :sub and :aud conditions, wildcards",
                    "a trust policy without an exact subject lets any repository (or any branch or PR) assume the role",
                    "require StringEquals on token.actions.githubusercontent.com:aud (sts.amazonaws.com) and an exact :sub such as repo:org/app:environment:prod");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files(TrustChecks::jsonOrYaml)) {
                if (!ctx.text(f).orElse("").contains(GH_ISSUER)) continue;
                for (Node doc : ctx.yaml(f).documents()) {
                    Y.walk(doc, n -> {
                        Map<String, Node> st = Y.entries(n);
                        if (!st.containsKey("Principal") || !st.containsKey("Effect")) return;
                        Node fed = Y.get(st.get("Principal"), "Federated").orElse(null);
                        if (fed == null || Y.strings(fed).stream().noneMatch(s -> s.contains(GH_ISSUER)) && !Y.text(fed).contains(GH_ISSUER)) return;
                        Node cond = st.get("Condition");
                        String sub = null;
                        String subOp = null;
                        Node subNode = null;
                        boolean aud = false;
                        for (Map.Entry<String, Node> op : Y.entries(cond).entrySet()) {
                            for (Map.Entry<String, Node> c : Y.entries(op.getValue()).entrySet()) {
                                if (c.getKey().equals(GH_ISSUER + ":sub")) {
                                    subOp = op.getKey();
                                    subNode = c.getValue();
                                    sub = String.join(",", Y.strings(c.getValue()));
                                }
                                if (c.getKey().equals(GH_ISSUER + ":aud")) aud = true;
                            }
                        }
                        Location at = new Location(f, Y.line(n));
                        if (sub == null) {
                            out.add(found(at, "trust policy for GitHub OIDC has no :sub condition: any GitHub repository can assume this role", f + "/" + Y.line(n) + "/nosub"));
                        } else {
                            for (String s : sub.split(",")) {
                                String v = s.trim();
                                String repoPart = v.startsWith("repo:") ? v.substring(5).split(":")[0] : "";
                                if (v.equals("*") || v.equals("repo:*") || repoPart.contains("*") ) {
                                    out.add(found(new Location(f, Y.line(subNode)), "trust policy :sub '" + v + "' (" + subOp + ") has a wildcard in the repository part", f + "/" + v));
                                } else if (v.endsWith(":*")) {
                                    out.add(found(Severity.HIGH, new Location(f, Y.line(subNode)), "trust policy :sub '" + v + "' accepts every ref, environment and pull request of the repository", f + "/" + v));
                                }
                            }
                        }
                        if (!aud) out.add(found(Severity.HIGH, at, "trust policy for GitHub OIDC has no :aud condition", f + "/" + Y.line(n) + "/noaud"));
                    });
                }
            }
            return out;
        }
    }

    static final class VaultJwtRoleTooBroad extends AbstractCheck {
        private static final Pattern DURATION = Pattern.compile("^(\\d+)([smhd]?)$");

        VaultJwtRoleTooBroad() {
            super("KH502", "vault-jwt-role-too-broad", CI_TRUST, Severity.HIGH,
                    "Keyhaven/Vault JWT role definitions (JSON/YAML payloads): role_type, bound_audiences, bound claims, user_claim, TTLs",
                    "a JWT role bound only to an owner, a glob or a workflow name accepts tokens from jobs you did not mean to trust",
                    "use 'keyhaven auth jwt role github NAME --repo owner/repo': role_type=jwt, bound_audiences, repository_id claims, user_claim=sub, token_ttl<=1h");
        }

        static long seconds(String v) {
            var m = DURATION.matcher(v.trim());
            if (!m.matches()) return -1;
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) { case "m" -> n * 60; case "h" -> n * 3600; case "d" -> n * 86400; default -> n; };
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files(TrustChecks::jsonOrYaml)) {
                String t = ctx.text(f).orElse("");
                if (!(t.contains("bound_audiences") || t.contains("bound_claims") || t.contains("bound_subject") || t.contains("user_claim"))) continue;
                for (Node doc : ctx.yaml(f).documents()) {
                    Y.walk(doc, n -> {
                        Map<String, Node> r = Y.entries(n);
                        if (!(r.containsKey("user_claim") || r.containsKey("bound_claims") || r.containsKey("bound_subject") || r.containsKey("bound_audiences"))) return;
                        Location at = new Location(f, Y.line(n));
                        String key = f + "/" + Y.line(n);
                        String roleType = Y.text(r.get("role_type"));
                        if (!roleType.equals("jwt")) out.add(found(at, "JWT role has role_type '" + (roleType.isEmpty() ? "oidc (default)" : roleType) + "'; CI logins need role_type=jwt", key + "/type"));
                        if (Y.strings(r.get("bound_audiences")).isEmpty()) out.add(found(Severity.CRITICAL, at, "JWT role has no bound_audiences: tokens minted for any audience are accepted", key + "/aud"));
                        Map<String, Node> claims = Y.entries(r.get("bound_claims"));
                        String sub = Y.text(r.get("bound_subject"));
                        if (claims.isEmpty() && sub.isEmpty()) out.add(found(Severity.CRITICAL, at, "JWT role binds no subject or claims", key + "/noclaims"));
                        else if (sub.isEmpty() && (claims.keySet().equals(java.util.Set.of("repository_owner")) || claims.keySet().equals(java.util.Set.of("namespace_path")))) {
                            out.add(found(Severity.CRITICAL, at, "JWT role binds only " + claims.keySet() + ": every repository of the owner can log in", key + "/owner"));
                        }
                        for (Map.Entry<String, Node> c : claims.entrySet()) {
                            if ((c.getKey().equals("repository") || c.getKey().equals("sub") || c.getKey().equals("project_path"))
                                    && Y.strings(c.getValue()).stream().anyMatch(v -> v.contains("*"))) {
                                out.add(found(Severity.CRITICAL, new Location(f, Y.line(c.getValue())), "JWT role claim '" + c.getKey() + "' uses a glob", key + "/glob/" + c.getKey()));
                            }
                            if (c.getKey().equals("workflow")) out.add(found(new Location(f, Y.line(c.getValue())), "JWT role binds 'workflow' (a display name anyone can copy) instead of workflow_ref", key + "/workflow"));
                        }
                        if (sub.contains("*")) out.add(found(Severity.CRITICAL, at, "JWT role bound_subject '" + sub + "' uses a glob", key + "/subglob"));
                        if (Y.text(r.get("user_claim")).equals("actor")) out.add(found(at, "JWT role uses user_claim=actor (a person, not the workload)", key + "/actor"));
                        long ttl = seconds(Y.text(r.get("token_ttl")));
                        if (ttl > 3600) out.add(found(at, "JWT role token_ttl is above 1h", key + "/ttl"));
                        if (!r.containsKey("token_max_ttl")) out.add(found(Severity.MEDIUM, at, "JWT role has no token_max_ttl", key + "/maxttl"));
                    });
                }
            }
            return out;
        }
    }

    static final class GitlabIdTokenHygiene extends AbstractCheck {
        private static final Pattern DEPLOY = Pattern.compile("(?i)\\b(deploy|release|publish|kubectl\\s+apply|helm\\s+upgrade|terraform\\s+apply|docker\\s+push)\\b");
        private static final java.util.Set<String> RESERVED = java.util.Set.of("stages", "variables", "include", "default", "workflow", "image", "services", "before_script", "after_script", "cache");

        GitlabIdTokenHygiene() {
            super("KH503", "gitlab-id-token-hygiene", CI_TRUST, Severity.HIGH,
                    ".gitlab-ci.yml: CI_JOB_JWT use, id_tokens audiences, literal secrets in variables:, deploy jobs without environment",
                    "GitLab's equivalents of long-lived credentials and over-shared OIDC tokens",
                    "use id_tokens with one aud per service, protected environments for deploys, masked+protected variables or Keyhaven");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            String f = ".gitlab-ci.yml";
            if (!ctx.exists(f)) return out;
            Node root = ctx.yaml(f).root().orElse(null);
            String text = ctx.text(f).orElse("");
            String[] lines = text.split("\r?\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].contains("CI_JOB_JWT")) {
                    out.add(found(new Location(f, i + 1), "uses the removed CI_JOB_JWT token; declare id_tokens: with an explicit aud", "jobjwt/" + i));
                    break;
                }
            }
            checkVariables(f, Y.get(root, "variables").orElse(null), "global", out);
            java.util.Map<String, Integer> audUse = new java.util.HashMap<>();
            for (Map.Entry<String, Node> e : Y.entries(root).entrySet()) {
                if (RESERVED.contains(e.getKey()) || e.getKey().startsWith(".") || !Y.isMap(e.getValue())) continue;
                Node job = e.getValue();
                checkVariables(f, Y.get(job, "variables").orElse(null), "job '" + e.getKey() + "'", out);
                Map<String, Node> tokens = Y.entries(Y.get(job, "id_tokens").orElse(null));
                for (Map.Entry<String, Node> tok : tokens.entrySet()) {
                    for (String aud : Y.strings(Y.get(tok.getValue(), "aud").orElse(null))) {
                        audUse.merge(aud, 1, Integer::sum);
                        if (aud.equals("*") || aud.equals("https://gitlab.com") || aud.isBlank()) {
                            out.add(found(new Location(f, Y.line(tok.getValue())), "job '" + e.getKey() + "' id token '" + tok.getKey() + "' has a broad aud '" + aud + "'", e.getKey() + "/aud/" + tok.getKey()));
                        }
                    }
                }
                Map<String, Node> secrets = Y.entries(Y.get(job, "secrets").orElse(null));
                if (tokens.size() > 1 && !secrets.isEmpty()) {
                    for (Map.Entry<String, Node> s : secrets.entrySet()) {
                        if (Y.get(s.getValue(), "token").isEmpty()) {
                            out.add(found(Severity.MEDIUM, new Location(f, Y.line(s.getValue())), "job '" + e.getKey() + "' secret '" + s.getKey() + "' does not say which of its " + tokens.size() + " id tokens to use (token:)", e.getKey() + "/token/" + s.getKey()));
                        }
                    }
                }
                String script = String.join("\n", Y.strings(Y.get(job, "script").orElse(null)));
                boolean deploy = Y.str(job, "stage").filter(s -> DEPLOY.matcher(s).find()).isPresent() || DEPLOY.matcher(script).find() && !tokens.isEmpty();
                if (deploy && Y.get(job, "environment").isEmpty()) {
                    out.add(found(Severity.MEDIUM, new Location(f, Y.line(job)), "deploy job '" + e.getKey() + "' has no environment: (protect it in the project settings)", e.getKey() + "/env"));
                }
            }
            audUse.forEach((aud, n) -> {
                if (n > 1) out.add(found(Severity.MEDIUM, Location.file(f), "id token audience '" + aud + "' is shared by " + n + " jobs; use one audience per service", "sharedaud/" + aud));
            });
            return out;
        }

        private void checkVariables(String f, Node vars, String scope, List<Finding> out) {
            Y.entries(vars).forEach((k, v) -> {
                String value = Y.isMap(v) ? Y.str(v, "value").orElse("") : Y.text(v);
                if (Names.secretish(k) && Names.literal(value)) {
                    out.add(found(Severity.CRITICAL, new Location(f, Y.line(v)), scope + " variable " + k + " holds a literal value " + Names.redact(value), scope + "/" + k));
                }
            });
        }
    }

    static String lower(String s) { return s.toLowerCase(Locale.ROOT); }

    static Optional<String> none() { return Optional.empty(); }
}
