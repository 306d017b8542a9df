package dev.keyhaven.doctor.checks;

import static dev.keyhaven.doctor.Family.CONTAINERS;

import dev.keyhaven.doctor.AbstractCheck;
import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Location;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.Severity;
import dev.keyhaven.doctor.docker.Dockerfile;
import dev.keyhaven.doctor.yaml.Y;
import dev.keyhaven.doctor.yaml.YamlFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;

/** KH201–KH205: Dockerfiles, compose files, Kubernetes manifests. */
public final class ContainerChecks {
    private ContainerChecks() {}

    public static List<Check> all() {
        return List.of(new DockerfileArgEnvSecret(), new DockerfileCopiesSecrets(), new ComposeInlineSecret(),
                new K8sSecretCommitted(), new UnpinnedBaseImage());
    }

    static final class DockerfileArgEnvSecret extends AbstractCheck {
        DockerfileArgEnvSecret() {
            super("KH201", "dockerfile-arg-env-secret", CONTAINERS, Severity.HIGH,
                    "Dockerfile ARG/ENV with secret-like names or literal secret values",
                    "ARG and ENV values persist in image layers and metadata (docker history, docker inspect)",
                    "pass secrets at build time with 'RUN --mount=type=secret,id=name' and at run time through the orchestrator");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.dockerfilePaths()) {
                for (Dockerfile.Instruction ins : ctx.dockerfile(f).instructions()) {
                    if (!ins.keyword().equals("ARG") && !ins.keyword().equals("ENV")) continue;
                    for (Dockerfile.Pair p : Dockerfile.pairs(ins)) {
                        Optional<String> v = p.value();
                        boolean live = v.isPresent() && !p.key().isEmpty() && ctx.detector().looksLive(p.key(), v.get());
                        boolean named = Names.secretish(p.key());
                        if (!named && !live) continue;
                        boolean literal = v.isPresent() && Names.literal(v.get());
                        Severity sev = literal ? Severity.CRITICAL : Severity.HIGH;
                        String msg = ins.keyword() + " " + p.key() + (literal ? " has a literal value " + Names.redact(v.get()) + " baked into the image"
                                : " carries a secret through the build and leaves it in the image metadata");
                        out.add(found(sev, new Location(f, ins.line()), msg, ins.keyword() + "/" + p.key()));
                    }
                }
            }
            return out;
        }
    }

    static final Pattern SECRET_FILE = Pattern.compile(
            "(?i)(^|/)(\\.env(\\.[\\w.-]+)?|[^/]*\\.(pem|key|p12|pfx|jks|keystore)|id_(rsa|dsa|ecdsa|ed25519)|\\.npmrc|\\.pypirc|\\.netrc|\\.git-credentials|credentials\\.json|secrets?\\.(ya?ml|json|env|properties|toml)|\\.vault-token)$");

    static boolean exampleName(String p) {
        String l = p.toLowerCase(Locale.ROOT);
        return l.endsWith(".example") || l.endsWith(".sample") || l.endsWith(".template") || l.endsWith(".dist") || l.contains("example");
    }

    static final class DockerfileCopiesSecrets extends AbstractCheck {
        static final String[] PROBES = {".env", ".env.local", ".git/config", "id_rsa", "server.key", ".npmrc", ".pypirc"};

        DockerfileCopiesSecrets() {
            super("KH202", "dockerfile-copies-secrets", CONTAINERS, Severity.HIGH,
                    "COPY/ADD of .env files, keys and credential files; COPY . without a .dockerignore excluding them",
                    "whatever is copied ends up in an image layer that anyone with pull access can extract",
                    "exclude .env*, keys, credential files and .git in .dockerignore (--fix writes it); use secret mounts and multi-stage builds");
        }

        @Override public boolean fixable() { return true; }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.dockerfilePaths()) {
                String dir = f.contains("/") ? f.substring(0, f.lastIndexOf('/') + 1) : "";
                for (Dockerfile.Instruction ins : ctx.dockerfile(f).instructions()) {
                    if (!ins.keyword().equals("COPY") && !ins.keyword().equals("ADD")) continue;
                    if (ins.flags().stream().anyMatch(x -> x.startsWith("--from"))) continue;
                    List<String> w = ins.words();
                    if (w.size() < 2) continue;
                    for (String src : w.subList(0, w.size() - 1)) {
                        String s = src.startsWith("./") ? src.substring(2) : src;
                        if (SECRET_FILE.matcher(s).find() && !exampleName(s)) {
                            out.add(found(new Location(f, ins.line()), ins.keyword() + " copies '" + src + "' into the image", ins.keyword() + "/" + src));
                        } else if (s.equals(".") || s.equals("") || s.equals("*")) {
                            String ctxDir = dir;
                            String di = ctx.text(ctxDir + ".dockerignore").orElse(null);
                            DockerIgnore ign = new DockerIgnore(di == null ? "" : di);
                            List<String> leaking = new ArrayList<>();
                            for (String p : PROBES) if (!ign.excludes(p)) leaking.add(p);
                            if (!leaking.isEmpty()) {
                                out.add(found(new Location(f, ins.line()), ins.keyword() + " " + src + " copies the whole context and "
                                        + (di == null ? "there is no .dockerignore" : ctxDir + ".dockerignore does not exclude " + leaking), "copy-all/" + ctxDir));
                            }
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class ComposeInlineSecret extends AbstractCheck {
        ComposeInlineSecret() {
            super("KH203", "compose-inline-secret", CONTAINERS, Severity.HIGH,
                    "compose environment: literal values for *PASSWORD*/*SECRET*/*TOKEN*/*_KEY; env_file: pointing at a tracked file",
                    "the credential is committed with the file and has no rotation path",
                    "declare top-level secrets: and use the image's *_FILE variables (POSTGRES_PASSWORD_FILE=/run/secrets/db_password), or ${VAR} from an untracked .env");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files(RepoContext::isCompose)) {
                for (Node doc : ctx.yaml(f).documents()) {
                    for (Map.Entry<String, Node> svc : Y.entries(Y.get(doc, "services").orElse(null)).entrySet()) {
                        Node env = Y.get(svc.getValue(), "environment").orElse(null);
                        if (Y.isMap(env)) {
                            Y.entries(env).forEach((k, v) -> check(ctx, f, svc.getKey(), k, Y.text(v), Y.line(v), out));
                        } else {
                            for (Node item : Y.seq(env)) {
                                String s = Y.text(item);
                                int eq = s.indexOf('=');
                                if (eq > 0) check(ctx, f, svc.getKey(), s.substring(0, eq), s.substring(eq + 1), Y.line(item), out);
                            }
                        }
                        Node envFile = Y.get(svc.getValue(), "env_file").orElse(null);
                        List<Node> refs = Y.isSeq(envFile) ? Y.seq(envFile) : envFile == null ? List.of() : List.of(envFile);
                        for (Node r : refs) {
                            String p = Y.isMap(r) ? Y.str(r, "path").orElse("") : Y.text(r);
                            String base = f.contains("/") ? f.substring(0, f.lastIndexOf('/') + 1) : "";
                            String rel = java.nio.file.Path.of(base + p).normalize().toString().replace('\\', '/');
                            if (ctx.isTracked(rel) && !exampleName(rel)) {
                                out.add(found(new Location(f, Y.line(r)), "service '" + svc.getKey() + "' reads env_file '" + p + "', which is tracked in git", svc.getKey() + "/env_file/" + p));
                            }
                        }
                    }
                }
            }
            return out;
        }

        private void check(RepoContext ctx, String f, String svc, String key, String value, int line, List<Finding> out) {
            String k = key.trim();
            if (k.toUpperCase(Locale.ROOT).endsWith("_FILE")) return; // a path to a mounted secret: the recommended form
            boolean named = Names.secretish(k) && !k.toUpperCase(Locale.ROOT).endsWith("_FILE");
            if (!(named || ctx.detector().looksLive(k, value))) return;
            if (!Names.literal(value) && !Names.placeholder(value)) return;
            out.add(found(new Location(f, line), "service '" + svc + "' sets " + k + " to a literal value " + Names.redact(value), svc + "/" + k));
        }
    }

    static final class K8sSecretCommitted extends AbstractCheck {
        K8sSecretCommitted() {
            super("KH204", "k8s-secret-committed", CONTAINERS, Severity.CRITICAL,
                    "kind: Secret manifests with non-empty data/stringData (YAML and Helm templates)",
                    "base64 is an encoding, not encryption: anyone who can read the repository has the secret",
                    "encrypt with SOPS (Keyhaven transit as KMS) or use SealedSecret/ExternalSecret/CSI; rotate what was committed");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files(RepoContext::isYaml)) {
                if (RepoContext.isWorkflow(f)) continue;
                String text = ctx.text(f).orElse("");
                if (!text.contains("Secret") || !text.contains("kind")) continue;
                YamlFile y = ctx.yaml(f);
                for (Node doc : y.documents()) {
                    List<Node> objs = new ArrayList<>();
                    objs.add(doc);
                    if (Y.str(doc, "kind").filter(k -> k.equals("List")).isPresent()) objs.addAll(Y.seq(Y.get(doc, "items").orElse(null)));
                    for (Node o : objs) {
                        if (!Y.str(o, "kind").filter("Secret"::equals).isPresent()) continue;
                        if (Y.get(o, "sops").isPresent()) continue;
                        for (String field : new String[] {"data", "stringData"}) {
                            Map<String, Node> data = Y.entries(Y.get(o, field).orElse(null));
                            Set<String> literalKeys = new HashSet<>();
                            int line = 0;
                            for (Map.Entry<String, Node> e : data.entrySet()) {
                                String v = Y.text(e.getValue());
                                if (!v.isBlank() && !v.contains("{{") && !v.startsWith("ENC[")) {
                                    literalKeys.add(e.getKey());
                                    if (line == 0) line = Y.line(e.getValue());
                                }
                            }
                            if (!literalKeys.isEmpty()) {
                                String name = Y.at(o, "metadata", "name").map(Y::text).orElse("?");
                                out.add(found(new Location(f, line), "Secret '" + name + "' commits " + field + " for keys " + new java.util.TreeSet<>(literalKeys), name + "/" + field));
                            }
                        }
                    }
                }
            }
            return out;
        }
    }

    static final class UnpinnedBaseImage extends AbstractCheck {
        UnpinnedBaseImage() {
            super("KH205", "unpinned-base-image", CONTAINERS, Severity.MEDIUM,
                    "FROM without @sha256 digest (latest or no tag: medium; a tag: low)",
                    "tags are mutable: the image you tested is not the image you build tomorrow",
                    "pin 'FROM image:tag@sha256:<digest>' and let Dependabot/Renovate bump it");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.dockerfilePaths()) {
                Set<String> stages = new HashSet<>();
                for (Dockerfile.From from : ctx.dockerfile(f).froms()) {
                    String repo = from.repository().toLowerCase(Locale.ROOT);
                    boolean skip = repo.equals("scratch") || stages.contains(repo) || from.image().contains("$");
                    from.stageName().ifPresent(s -> stages.add(s.toLowerCase(Locale.ROOT)));
                    if (skip || from.digest().isPresent()) continue;
                    boolean floating = from.tag().isEmpty() || from.tag().get().equals("latest");
                    out.add(found(floating ? Severity.MEDIUM : Severity.LOW, new Location(f, from.line()),
                            "FROM " + from.image() + (floating ? " floats on 'latest'" : " is pinned to a tag, not a digest"), from.image()));
                }
            }
            return out;
        }
    }
}
