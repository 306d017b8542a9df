package dev.keyhaven.doctor.checks;

import static dev.keyhaven.doctor.Family.SECRETS;

import dev.keyhaven.doctor.AbstractCheck;
import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Location;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.SecretDetector;
import dev.keyhaven.doctor.Severity;
import dev.keyhaven.doctor.yaml.Y;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.SAXParserFactory;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.xml.sax.Attributes;
import org.xml.sax.Locator;
import org.xml.sax.helpers.DefaultHandler;

/** KH101–KH108: secrets in the checkout. */
public final class SecretChecks {
    private SecretChecks() {}

    public static List<Check> all() {
        return List.of(new TrackedEnvFile(), new GitignoreCoverage(), new PrivateKeyTracked(), new CredentialConfigFile(),
                new EnvExampleValues(), new ShippedPlaceholder(), new LiteralSecretInConfig(), new SecretInHistory());
    }

    static final Pattern ENV_NAME = Pattern.compile("(?i)^\\.env(\\.[\\w.-]+)?$|^[\\w.-]+\\.env$");
    static final Pattern EXAMPLE_SUFFIX = Pattern.compile("(?i)(example|sample|template|dist|defaults?|schema|tpl)");

    /** A dotenv file that holds real values (not an example). */
    static boolean isRealEnvFile(String rel) {
        String n = RepoContext.name(rel);
        if (!ENV_NAME.matcher(n).matches()) return false;
        return !EXAMPLE_SUFFIX.matcher(n.toLowerCase(Locale.ROOT).replace(".env", "")).find();
    }

    static boolean isEnvExample(String rel) {
        String n = RepoContext.lowerName(rel);
        return n.equals(".env.example") || n.equals("env.example") || n.equals(".env.sample") || n.equals(".env.template")
                || n.equals(".env.dist") || n.equals("example.env") || n.equals(".example.env") || n.equals("sample.env");
    }

    static final class TrackedEnvFile extends AbstractCheck {
        TrackedEnvFile() {
            super("KH101", "tracked-env-file", SECRETS, Severity.HIGH,
                    ".env / .env.* files (not examples) in the git index or in the history of any ref",
                    "ignore rules do not untrack a file; committed .env files are the most common source of leaked credentials",
                    "git rm --cached <file>, add it to .gitignore, rotate its values and run 'keyhaven incident'");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String t : ctx.tracked()) {
                if (!isRealEnvFile(t)) continue;
                boolean live = false;
                for (KeyValueLines.Entry e : KeyValueLines.dotenv(ctx.text(t).orElse(""))) {
                    if (Names.literal(e.value()) && ctx.detector().looksLive(e.key(), e.value())) { live = true; break; }
                }
                out.add(found(live ? Severity.CRITICAL : Severity.HIGH, Location.file(t),
                        t + " is tracked in git" + (live ? " and holds values that look live" : ""), t));
            }
            if (ctx.isGitRepo()) {
                Optional<byte[]> log = ctx.git("log", "--all", "--format=", "--name-only", "--diff-filter=A", "--no-renames");
                Set<String> seen = new TreeSet<>();
                log.ifPresent(b -> {
                    for (String p : new String(b, StandardCharsets.UTF_8).split("\n")) {
                        if (!p.isBlank() && isRealEnvFile(p.trim()) && !ctx.isTracked(p.trim())) seen.add(p.trim());
                    }
                });
                for (String p : seen) {
                    out.add(found(Location.file(p), p + " is no longer tracked but is still in the history of a ref", "history/" + p));
                }
            }
            return out;
        }
    }

    static final class GitignoreCoverage extends AbstractCheck {
        static final String[] PROBES = {".env", ".env.local", ".secrets/x", "a.pem", "a.key", "a.p12", "a.jks", "id_rsa",
            "config/secrets.yaml", ".pypirc", ".npmrc", "credentials.json", "x.tfstate", "x.tfvars", ".vault-token", "kubeconfig"};

        GitignoreCoverage() {
            super("KH102", "gitignore-coverage", SECRETS, Severity.MEDIUM,
                    "effective .gitignore result for secret-bearing paths (.env, keys, keystores, tfstate, tokens); .env.example not ignored",
                    "files that are not ignored get staged by 'git add .'; ignoring is the cheapest guard there is",
                    "append the managed ignore block (--fix does it) and keep .env.example tracked with a '!.env.example' line");
        }

        @Override public boolean fixable() { return true; }

        /** Probes that are not ignored. */
        static List<String> uncovered(RepoContext ctx) {
            List<String> out = new ArrayList<>();
            for (String p : PROBES) {
                if (!ctx.ignore().isIgnored(p, false)) out.add(p);
            }
            return out;
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            List<String> missing = uncovered(ctx);
            String gi = ctx.exists(".gitignore") ? ".gitignore" : "";
            if (!missing.isEmpty()) {
                out.add(found(Location.file(gi), "not ignored: " + String.join(", ", missing), "probes"));
            }
            if (ctx.ignore().isIgnored(".env.example", false)) {
                out.add(found(Severity.LOW, Location.file(gi), ".env.example is ignored, but it is meant to be committed (add '!.env.example')", "example"));
            }
            return out;
        }
    }

    static final Pattern PEM_KEY = Pattern.compile("-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----");

    static final class PrivateKeyTracked extends AbstractCheck {
        PrivateKeyTracked() {
            super("KH103", "private-key-tracked", SECRETS, Severity.CRITICAL,
                    "files that parse as private keys: PEM/OpenSSH private keys, PKCS#12 and JKS/JCEKS keystores",
                    "private keys are long-lived and wide in scope; once in git they must be treated as public",
                    "remove the file, rotate the key and keep it in Keyhaven (transit/KV); for test fixtures, generate keys at test time or add a reasoned suppression");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            List<String> candidates = ctx.isGitRepo() ? new ArrayList<>(ctx.tracked()) : ctx.files();
            for (String f : candidates) {
                String n = RepoContext.lowerName(f);
                byte[] head = null;
                if (n.endsWith(".p12") || n.endsWith(".pfx") || n.endsWith(".jks") || n.endsWith(".keystore") || n.endsWith(".jceks") || n.endsWith(".bks")) {
                    head = ctx.head(f, 4);
                    if (head.length >= 4 && ((head[0] & 0xff) == 0xFE && (head[1] & 0xff) == 0xED && (head[2] & 0xff) == 0xFE && (head[3] & 0xff) == 0xED)) {
                        out.add(found(Location.file(f), "Java keystore (JKS) committed", f));
                        continue;
                    }
                    if (head.length >= 4 && (head[0] & 0xff) == 0xCE && (head[1] & 0xff) == 0xCE && (head[2] & 0xff) == 0xCE && (head[3] & 0xff) == 0xCE) {
                        out.add(found(Location.file(f), "JCEKS keystore committed", f));
                        continue;
                    }
                    if (head.length >= 2 && (head[0] & 0xff) == 0x30 && ((head[1] & 0xff) >= 0x80)) {
                        out.add(found(Location.file(f), "PKCS#12 keystore committed (DER sequence)", f));
                        continue;
                    }
                }
                Optional<String> text = ctx.text(f);
                if (text.isEmpty()) continue;
                Matcher m = PEM_KEY.matcher(text.get());
                if (m.find()) {
                    int line = 1 + (int) text.get().substring(0, m.start()).chars().filter(c -> c == '\n').count();
                    String kind = m.group(2) == null ? "PKCS#8" : m.group(2);
                    // a header alone (documentation, a detector's own source) is not a key: require base64 body after it
                    String after = text.get().substring(m.end(), Math.min(text.get().length(), m.end() + 200));
                    if (after.replaceAll("\\s", "").length() >= 60 && after.replaceAll("\\s", "").matches("^(Proc-Type:[^:]*)?[A-Za-z0-9+/=:,\\-]{60,}.*") ) {
                        out.add(found(new Location(f, line), kind + " private key in " + f, f + "/" + line));
                    }
                }
            }
            return out;
        }
    }

    static final class CredentialConfigFile extends AbstractCheck {
        private static final Pattern NPM = Pattern.compile("^\\s*(//[^\\s=]*:)?(_authToken|_auth|_password)\\s*=\\s*(.+)$");
        private static final Pattern GRADLE_KEY = Pattern.compile("(?i)(password|token|secret|signing\\.password|apikey|api\\.key)$");

        CredentialConfigFile() {
            super("KH104", "credential-config-file", SECRETS, Severity.CRITICAL,
                    ".npmrc tokens, .pypirc passwords, .netrc, .git-credentials, docker config auths, Maven settings.xml <password>, gradle.properties tokens, kubeconfig credentials, .vault-token",
                    "registry and cluster credentials give publish or deploy power to anyone who reads the repository",
                    "reference environment variables (${NPM_TOKEN}), use CI OIDC or trusted publishing, and rotate the committed value");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files()) {
                String n = RepoContext.lowerName(f);
                switch (n) {
                    case ".npmrc" -> lines(ctx, f, (l, i) -> {
                        Matcher m = NPM.matcher(l);
                        if (m.find() && Names.literal(m.group(3).trim())) out.add(found(new Location(f, i), ".npmrc has a literal " + m.group(2), f + "/" + i));
                    });
                    case ".pypirc" -> lines(ctx, f, (l, i) -> {
                        String t = l.trim();
                        if (t.toLowerCase(Locale.ROOT).startsWith("password") && t.contains("=") && Names.literal(t.substring(t.indexOf('=') + 1)))
                            out.add(found(new Location(f, i), ".pypirc has a literal password", f + "/" + i));
                    });
                    case ".netrc", "_netrc" -> lines(ctx, f, (l, i) -> {
                        if (l.matches(".*\\bpassword\\s+\\S+.*")) out.add(found(Severity.HIGH, new Location(f, i), ".netrc stores a password", f + "/" + i));
                    });
                    case ".git-credentials" -> out.add(found(Location.file(f), ".git-credentials (stored git passwords/tokens) is in the repository", f));
                    case ".vault-token" -> out.add(found(Location.file(f), ".vault-token (a Vault/Keyhaven token) is in the repository", f));
                    case "settings.xml" -> mavenSettings(ctx, f, out);
                    case "gradle.properties" -> {
                        for (KeyValueLines.Entry e : KeyValueLines.properties(ctx.text(f).orElse(""))) {
                            if (GRADLE_KEY.matcher(e.key()).find() && Names.literal(e.value()))
                                out.add(found(new Location(f, e.line()), "gradle.properties sets " + e.key() + " to a literal value", f + "/" + e.key()));
                        }
                    }
                    case "config.json" -> {
                        if (f.endsWith(".docker/config.json")) dockerConfig(ctx, f, out);
                    }
                    default -> {
                        if (n.equals("kubeconfig") || n.endsWith(".kubeconfig") || f.endsWith(".kube/config")) kubeconfig(ctx, f, out);
                    }
                }
            }
            return out;
        }

        private static void lines(RepoContext ctx, String f, java.util.function.ObjIntConsumer<String> each) {
            String[] ls = ctx.text(f).orElse("").split("\r?\n", -1);
            for (int i = 0; i < ls.length; i++) each.accept(ls[i], i + 1);
        }

        private void mavenSettings(RepoContext ctx, String f, List<Finding> out) {
            String text = ctx.text(f).orElse("");
            if (!text.contains("<password>")) return;
            try {
                SAXParserFactory spf = SAXParserFactory.newInstance();
                spf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                spf.setFeature("http://xml.org/sax/features/external-general-entities", false);
                spf.newSAXParser().parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), new DefaultHandler() {
                    Locator loc;
                    StringBuilder buf;
                    int line;
                    @Override public void setDocumentLocator(Locator l) { loc = l; }
                    @Override public void startElement(String u, String ln, String q, Attributes a) {
                        if (q.equals("password") || q.equals("passphrase")) { buf = new StringBuilder(); line = loc.getLineNumber(); }
                    }
                    @Override public void characters(char[] ch, int s, int len) { if (buf != null) buf.append(ch, s, len); }
                    @Override public void endElement(String u, String ln, String q) {
                        if (buf != null && (q.equals("password") || q.equals("passphrase"))) {
                            String v = buf.toString().trim();
                            // {…} is a Maven-encrypted value; ${env.X} is a reference
                            if (Names.literal(v) && !(v.startsWith("{") && v.endsWith("}"))) {
                                out.add(found(new Location(f, line), "Maven settings.xml has a literal <" + q + ">", f + "/" + line));
                            }
                            buf = null;
                        }
                    }
                });
            } catch (Exception e) {
                // not well-formed: nothing reliable to say
            }
        }

        private void dockerConfig(RepoContext ctx, String f, List<Finding> out) {
            Node root = ctx.yaml(f).root().orElse(null);
            Y.entries(Y.get(root, "auths").orElse(null)).forEach((host, v) -> Y.get(v, "auth").ifPresent(a -> {
                if (!Y.text(a).isBlank()) out.add(found(new Location(f, Y.line(a)), "docker config stores registry credentials for " + host, f + "/" + host));
            }));
        }

        private void kubeconfig(RepoContext ctx, String f, List<Finding> out) {
            Node root = ctx.yaml(f).root().orElse(null);
            for (Node u : Y.seq(Y.get(root, "users").orElse(null))) {
                Node user = Y.get(u, "user").orElse(null);
                for (String k : new String[] {"token", "client-key-data", "password"}) {
                    Y.get(user, k).filter(v -> Names.literal(Y.text(v))).ifPresent(v ->
                            out.add(found(new Location(f, Y.line(v)), "kubeconfig user '" + Y.str(u, "name").orElse("?") + "' embeds " + k, f + "/" + k + "/" + Y.line(v))));
                }
            }
        }
    }

    static final class EnvExampleValues extends AbstractCheck {
        EnvExampleValues() {
            super("KH105", "env-example-values", SECRETS, Severity.HIGH,
                    ".env.example/.env.sample/.env.template values that look like real secrets; keys in .env missing from the example",
                    "the example is committed by design, and the SDK reads required names from it",
                    "blank the value or use an obvious placeholder (--fix blanks them); keep the example's keys in sync with .env");
        }

        @Override public boolean fixable() { return true; }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files(SecretChecks::isEnvExample)) {
                List<KeyValueLines.Entry> entries = KeyValueLines.dotenv(ctx.text(f).orElse(""));
                for (KeyValueLines.Entry e : entries) {
                    if (Names.literal(e.value()) && ctx.detector().looksLive(e.key(), e.value())) {
                        out.add(found(new Location(f, e.line()), e.key() + " has a value that looks real " + Names.redact(e.value()), f + "/" + e.key()));
                    }
                }
                String dir = f.contains("/") ? f.substring(0, f.lastIndexOf('/') + 1) : "";
                Optional<String> env = ctx.text(dir + ".env");
                if (env.isPresent()) {
                    Set<String> have = new LinkedHashSet<>();
                    entries.forEach(e -> have.add(e.key()));
                    List<String> missing = new ArrayList<>();
                    for (KeyValueLines.Entry e : KeyValueLines.dotenv(env.get())) if (!have.contains(e.key())) missing.add(e.key());
                    if (!missing.isEmpty()) {
                        out.add(found(Severity.INFO, Location.file(f), "keys in " + dir + ".env missing from the example: " + String.join(", ", missing), f + "/drift"));
                    }
                }
            }
            return out;
        }
    }

    /** Application and deployment configuration (not examples, not tests). */
    static boolean isDeployConfig(String f) {
        if (RepoContext.isTestOrExample(f) || RepoContext.isWorkflow(f)) return false;
        String n = RepoContext.lowerName(f);
        String l = f.toLowerCase(Locale.ROOT);
        return (n.startsWith("application") || n.startsWith("bootstrap")) && (n.endsWith(".yml") || n.endsWith(".yaml") || n.endsWith(".properties"))
                || RepoContext.isCompose(f)
                || n.matches("values([.-][\\w.-]+)?\\.ya?ml")
                || (RepoContext.isYaml(f) && (l.contains("k8s/") || l.contains("kubernetes/") || l.contains("deploy/") || l.contains("manifests/")
                    || l.contains("helm/") || l.contains("charts/") || l.contains("kustomize/") || l.contains("overlays/")))
                || n.endsWith(".tfvars") || n.endsWith(".auto.tfvars");
    }

    /** A key/value from a config file with its line. */
    record ConfigValue(String key, String value, int line) {}

    static List<ConfigValue> configValues(RepoContext ctx, String f) {
        List<ConfigValue> out = new ArrayList<>();
        String n = RepoContext.lowerName(f);
        if (n.endsWith(".properties") || n.endsWith(".tfvars")) {
            List<KeyValueLines.Entry> es = n.endsWith(".tfvars") ? KeyValueLines.dotenv(ctx.text(f).orElse("")) : KeyValueLines.properties(ctx.text(f).orElse(""));
            for (KeyValueLines.Entry e : es) out.add(new ConfigValue(e.key(), unquote(e.value()), e.line()));
            return out;
        }
        for (Node doc : ctx.yaml(f).documents()) {
            // Kubernetes Secret data is KH204's; environment lists are KH203's in compose
            if (Y.str(doc, "kind").filter("Secret"::equals).isPresent()) continue;
            Y.walkPairs(doc, (k, v) -> {
                if (v instanceof ScalarNode s) out.add(new ConfigValue(k.getValue(), s.getValue(), Y.line(v)));
            });
            // {name: X, value: Y} pairs (k8s env lists)
            Y.walk(doc, node -> {
                Map<String, Node> m = Y.entries(node);
                if (m.containsKey("name") && m.containsKey("value") && Y.isScalar(m.get("value"))) {
                    out.add(new ConfigValue(Y.text(m.get("name")), Y.text(m.get("value")), Y.line(m.get("value"))));
                }
            });
        }
        return out;
    }

    static String unquote(String v) {
        String t = v.trim();
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) return t.substring(1, t.length() - 1);
        return t;
    }

    static final class ShippedPlaceholder extends AbstractCheck {
        private static final Pattern LOUD = Pattern.compile("(?i)^(change[_-]?me\\w*|changeit|replace[_-]?me\\w*|x{3,}|todo|fixme|tbd)$");

        ShippedPlaceholder() {
            super("KH106", "shipped-placeholder", SECRETS, Severity.HIGH,
                    "CHANGEME/REPLACE_ME/xxx/password/secret/TODO values in compose, Helm values, Kubernetes, application*.yml/properties and deploy config",
                    "guessable defaults reach production, or fail late at the worst moment",
                    "reference a secret (${VAR}, secretKeyRef, Keyhaven) and validate at startup that it is set");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files(SecretChecks::isDeployConfig)) {
                for (ConfigValue cv : configValues(ctx, f)) {
                    String v = cv.value().trim();
                    boolean hit = LOUD.matcher(v).matches() || (Names.secretish(cv.key()) && Names.placeholder(v));
                    if (hit) out.add(found(new Location(f, cv.line()), cv.key() + " ships the placeholder '" + (v.length() > 24 ? v.substring(0, 24) + "…" : v) + "'", f + "/" + cv.key()));
                }
            }
            return out;
        }
    }

    static final class LiteralSecretInConfig extends AbstractCheck {
        LiteralSecretInConfig() {
            super("KH107", "literal-secret-in-config", SECRETS, Severity.HIGH,
                    "secret-named keys with literal values and scanner detections in app/infra config (Spring, Helm values, tfvars, k8s)",
                    "configuration is not a secret store: it is copied, logged, diffed and reviewed in the clear",
                    "move the value to Keyhaven and reference it (${DB_PASSWORD}, spring.datasource.password=${...}, *_FILE)");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (String f : ctx.files(SecretChecks::isDeployConfig)) {
                if (RepoContext.isCompose(f)) continue; // KH203 owns compose
                Set<Integer> lines = new java.util.HashSet<>();
                for (ConfigValue cv : configValues(ctx, f)) {
                    if (!Names.secretish(cv.key()) || !Names.literal(cv.value())) continue;
                    boolean live = ctx.detector().looksLive(cv.key(), cv.value());
                    lines.add(cv.line());
                    out.add(found(live ? Severity.CRITICAL : Severity.HIGH, new Location(f, cv.line()),
                            cv.key() + " holds a literal value " + Names.redact(cv.value()), f + "/" + cv.key()));
                }
                for (SecretDetector.Detection d : ctx.detector().scan(f, ctx.text(f).orElse(""))) {
                    if (lines.add(d.line())) {
                        out.add(found(Severity.CRITICAL, new Location(f, d.line()), "scanner rule " + d.ruleId() + " matches " + d.redacted(), f + "/" + d.ruleId() + "/" + d.redacted()));
                    }
                }
            }
            return out;
        }
    }

    static final class SecretInHistory extends AbstractCheck {
        static final int MAX_BLOBS = 20_000;

        SecretInHistory() {
            super("KH108", "secret-in-history", SECRETS, Severity.CRITICAL,
                    "secrets reachable from any ref but absent from the current checkout (blobs scanned by the scanner's detectors)",
                    "deleting a file does not delete the secret: every clone still has it",
                    "rotate the secret first, then follow 'keyhaven incident' to rewrite history if needed");
        }

        @Override
        public List<Finding> run(RepoContext ctx) {
            List<Finding> out = new ArrayList<>();
            for (HistoryBlobs.Hit h : HistoryBlobs.scan(ctx, MAX_BLOBS)) {
                out.add(found(Location.file(h.path()), "history blob " + h.blob().substring(0, 12) + " of " + h.path() + " holds a secret ("
                        + h.detection().ruleId() + ", " + h.detection().redacted() + ") that is not in the current tree", h.blob() + "/" + h.detection().ruleId()));
            }
            return out;
        }
    }
}
