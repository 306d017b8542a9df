package dev.keyhaven.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.scanner.rules.Rule;
import dev.keyhaven.scanner.rules.RuleSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The labeled corpus: for every built-in rule, values generated at test time are planted into real source files;
 * hard negatives (hashes, UUIDs, base64 blobs, lock files, minified JS, test vectors, look-alike tokens with wrong
 * checksums, placeholders, real JDK and project sources) must stay silent. Prints precision/recall per rule
 * (never a secret value) and requires 100% recall per rule and ≥ 0.97 precision overall.
 */
class CorpusTest {
    static final int SAMPLES_PER_RULE = 3;
    static final String JDK_SRC = "/usr/lib/jvm/temurin-25-jdk-amd64/lib/src.zip";

    record Doc(String path, String text, List<FakeSecrets.Sample> planted) {
    }

    static final List<Doc> positives = new ArrayList<>();
    static final List<Doc> negatives = new ArrayList<>();
    static final List<String> realFiles = new ArrayList<>();

    @BeforeAll
    static void buildCorpus() throws IOException {
        realFiles.addAll(realSources());
        FakeSecrets fs = new FakeSecrets(20261124L);
        int i = 0;
        for (FakeSecrets.Template t : FakeSecrets.templates()) {
            for (int k = 0; k < SAMPLES_PER_RULE; k++, i++) {
                FakeSecrets.Sample s = fs.sample(t);
                String carrier = realFiles.get(i % realFiles.size());
                String ext = t.ext().isEmpty() ? new String[] {".java", ".py", ".yaml", ".js", ".go", ".sh"}[i % 6] : t.ext();
                int cut = lineBoundaryNear(carrier, carrier.length() / 2);
                String prefix = carrier.substring(0, cut);
                String text = prefix + s.text() + "\n" + carrier.substring(cut);
                FakeSecrets.Sample shifted = new FakeSecrets.Sample(s.ruleId(), s.text(), prefix.length() + s.start(),
                        prefix.length() + s.end(), s.secret());
                positives.add(new Doc("src/app" + i + "/Config" + ext, text, List.of(shifted)));
            }
        }
        // real files on their own are negatives
        for (int r = 0; r < realFiles.size(); r++) {
            negatives.add(new Doc("real/File" + r + ".java", realFiles.get(r), List.of()));
        }
        negatives.addAll(hardNegatives(new FakeSecrets(7L)));
    }

    private static int lineBoundaryNear(String s, int pos) {
        int nl = s.indexOf('\n', pos);
        return nl < 0 ? s.length() : nl + 1;
    }

    /** Real source files: JDK sources (when the JDK's src.zip is there) and this project's own sources. */
    static List<String> realSources() throws IOException {
        List<String> out = new ArrayList<>();
        Path zip = Path.of(JDK_SRC);
        if (Files.isRegularFile(zip)) {
            String[] wanted = {"java.base/java/util/HashMap.java", "java.base/java/security/KeyStore.java",
                    "java.base/javax/crypto/Cipher.java", "java.base/java/net/URI.java", "java.base/java/net/PasswordAuthentication.java",
                    "java.base/sun/security/ssl/SSLContextImpl.java", "java.base/java/util/Base64.java",
                    "java.base/java/util/UUID.java", "java.net.http/jdk/internal/net/http/AuthenticationFilter.java",
                    "java.base/javax/crypto/spec/PBEKeySpec.java", "java.base/sun/security/provider/DigestBase.java",
                    "java.base/java/security/MessageDigest.java", "java.sql/java/sql/DriverManager.java",
                    "java.naming/javax/naming/Context.java", "java.base/sun/security/util/KnownOIDs.java"};
            try (ZipFile zf = new ZipFile(zip.toFile())) {
                for (String w : wanted) {
                    ZipEntry e = zf.getEntry(w);
                    if (e != null) {
                        out.add(new String(zf.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
                // plus a deterministic sample across the whole JDK source tree (every 60th text entry, ≤ 256 KB each)
                List<? extends ZipEntry> entries = zf.stream().filter(e -> !e.isDirectory() && e.getSize() < 256 * 1024).toList();
                for (int i = 0; i < entries.size(); i += 60) {
                    byte[] data = zf.getInputStream(entries.get(i)).readAllBytes();
                    if (!dev.keyhaven.scanner.walk.FileWalker.isBinary(data)) {
                        out.add(new String(data, StandardCharsets.UTF_8));
                    }
                }
            }
        }
        Path root = Path.of("").toAbsolutePath().getParent();
        if (root != null && Files.isDirectory(root.resolve("keyhaven-core/src/main/java"))) {
            try (Stream<Path> files = Files.walk(root.resolve("keyhaven-core/src/main/java"))) {
                files.filter(p -> p.toString().endsWith(".java")).sorted().limit(12).forEach(p -> {
                    try {
                        out.add(Files.readString(p));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
            out.add(Files.readString(root.resolve("pom.xml")));
        }
        assertThat(out).as("real source files for the corpus").hasSizeGreaterThanOrEqualTo(5);
        return out;
    }

    static List<Doc> hardNegatives(FakeSecrets fs) {
        List<Doc> out = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        Base64.Encoder b64 = Base64.getEncoder();
        StringBuilder sb = new StringBuilder();
        // hashes
        for (int i = 0; i < 200; i++) {
            sb.append("sha256 = \"").append(hex.formatHex(fs.bytes(32))).append("\"\n");
            sb.append("commit ").append(hex.formatHex(fs.bytes(20))).append('\n');
            sb.append("md5: ").append(hex.formatHex(fs.bytes(16))).append('\n');
        }
        out.add(new Doc("checksums.txt", sb.toString(), List.of()));
        // UUIDs
        sb.setLength(0);
        for (int i = 0; i < 300; i++) {
            sb.append("  - id: ").append(fs.uuid()).append("\n    requestId: \"").append(fs.uuid()).append("\"\n");
        }
        out.add(new Doc("fixtures/ids.yaml", sb.toString(), List.of()));
        // base64 blobs
        sb.setLength(0);
        for (int i = 0; i < 40; i++) {
            sb.append("  \"icon").append(i).append("\": \"data:image/png;base64,").append(b64.encodeToString(fs.bytes(900))).append("\",\n");
        }
        out.add(new Doc("assets/icons.json", "{\n" + sb + "}\n", List.of()));
        String wrapped = Base64.getMimeEncoder().encodeToString(fs.bytes(20000));
        out.add(new Doc("assets/blob.b64", wrapped, List.of()));
        // package-lock.json
        sb.setLength(0);
        sb.append("{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
        for (int i = 0; i < 300; i++) {
            String name = fs.chars(FakeSecrets.LOWER, 8);
            sb.append("    \"node_modules/").append(name).append("\": {\n      \"version\": \"1.").append(i % 20).append(".3\",\n")
                    .append("      \"resolved\": \"https://registry.npmjs.org/").append(name).append("/-/").append(name).append("-1.2.3.tgz\",\n")
                    .append("      \"integrity\": \"sha512-").append(b64.encodeToString(fs.bytes(64))).append("\",\n")
                    .append("      \"license\": \"MIT\"\n    },\n");
        }
        sb.append("    \"\": {}\n  }\n}\n");
        out.add(new Doc("package-lock.json", sb.toString(), List.of()));
        out.add(new Doc("web/deps-snapshot.json", sb.toString(), List.of())); // same content where no path allowlist applies
        // yarn.lock / go.sum style
        sb.setLength(0);
        for (int i = 0; i < 200; i++) {
            sb.append("github.com/").append(fs.chars(FakeSecrets.LOWER, 6)).append("/").append(fs.chars(FakeSecrets.LOWER, 5))
                    .append(" v0.").append(i).append(".0 h1:").append(b64.encodeToString(fs.bytes(32))).append('\n');
        }
        out.add(new Doc("go.sum", sb.toString(), List.of()));
        out.add(new Doc("third_party/checksums.txt", sb.toString(), List.of()));
        // minified JS
        sb.setLength(0);
        for (int i = 0; i < 3000; i++) {
            String v = fs.chars(FakeSecrets.LOWER, 1) + fs.chars(FakeSecrets.ALNUM, 2);
            sb.append("var ").append(v).append("=function(e,t){return e.token?t[\"").append(fs.chars(FakeSecrets.ALNUM, 12))
                    .append("\"]:").append("e.apiKey||\"\"};");
            if (i % 50 == 0) {
                sb.append("n.secret=e.secret||null;o.password=t.password;a.accessToken=r(\"").append(hex.formatHex(fs.bytes(8))).append("\");");
            }
        }
        out.add(new Doc("dist/app.min.js", sb.toString(), List.of()));
        // test vectors
        sb.setLength(0);
        for (int i = 0; i < 100; i++) {
            sb.append("    {\"key\": \"").append(hex.formatHex(fs.bytes(32))).append("\", \"iv\": \"").append(hex.formatHex(fs.bytes(12)))
                    .append("\", \"ct\": \"").append(hex.formatHex(fs.bytes(48))).append("\", \"tag\": \"").append(hex.formatHex(fs.bytes(16))).append("\"},\n");
        }
        out.add(new Doc("src/test/resources/aes-gcm-vectors.json", "[\n" + sb + "]\n", List.of()));
        // look-alike tokens with wrong checksums / broken structure
        sb.setLength(0);
        for (int i = 0; i < 60; i++) {
            sb.append("GITHUB_TOKEN=").append(fs.githubWrongChecksum(new String[] {"ghp", "gho", "ghu", "ghs"}[i % 4])).append('\n');
            sb.append("NPM_TOKEN=").append(fs.githubWrongChecksum("npm")).append('\n');
            String head = "glsa_" + fs.chars(FakeSecrets.ALNUM, 32);
            sb.append("GRAFANA=").append(head).append("_").append(hex.formatHex(fs.bytes(4))).append('\n');
            sb.append("AUTH=eyJ").append(fs.chars(FakeSecrets.B64URL, 30)).append(".eyJ").append(fs.chars(FakeSecrets.B64URL, 40))
                    .append(".").append(fs.chars(FakeSecrets.B64URL, 43)).append('\n');
            sb.append("PYPI=pypi-AgEIcHlwaS5vcmc").append(fs.chars(FakeSecrets.B64URL, 120)).append('\n');
        }
        out.add(new Doc("ci/lookalikes.env", sb.toString(), List.of()));
        // placeholders and documented examples (not reported by default)
        String pl = String.join("\n",
                "api_key = \"your_api_key_here\"",
                "password: CHANGEME_DB_PASSWORD",
                "DB_PASSWORD=${DB_PASSWORD}",
                "token: \"<token>\"",
                "client_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
                "GITHUB_TOKEN=ghp_" + "a".repeat(36),
                "aws_access_key_id = " + "AKIA" + "IOSFODNN7" + "EXAMPLE",
                "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY",
                "secret: '{{ .Values.secret }}'",
                "password = \"changeit\"",
                "DATABASE_URL=postgres://user:password@localhost:5432/app",
                "SLACK_WEBHOOK=https://hooks.slack.com/services/" + "T00000000/B00000000/" + "X".repeat(24),
                "STRIPE_KEY=sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc",
                "api_token: \"0123456789abcdef0123456789abcdef\"",
                "");
        out.add(new Doc("config/placeholders.env", pl, List.of()));
        // code that talks about secrets without containing any
        String code = String.join("\n",
                "String password = System.getenv(\"DB_PASSWORD\");",
                "final String SECRET_KEY_ALGORITHM = \"PBKDF2WithHmacSHA256\";",
                "char[] password = console.readPassword(\"Password: \");",
                "if (token == null) { throw new IllegalStateException(\"token missing\"); }",
                "String accessTokenUrl = \"https://oauth2.googleapis.com/token\";",
                "props.setProperty(\"javax.net.ssl.keyStorePassword\", keyStorePassword);",
                "String PASSWORD_PROPERTY = \"javax.net.ssl.trustStorePassword\";",
                "api_key = os.environ[\"API_KEY\"]",
                "secret = vault.read('secret/data/app')['data']['value']",
                "token_type: bearer_token_for_internal_services",
                "var clientSecret = config.get('auth.client.secret')",
                "SECRET_NAME = \"projects/my-project/secrets/db-password/versions/latest\"",
                "password_hash = \"$2b$12$" + fs.chars(FakeSecrets.ALNUM, 53) + "\"",
                "# export API_TOKEN=$(cat /run/secrets/api_token)",
                "");
        out.add(new Doc("src/Secrets.java", code, List.of()));
        return out;
    }

    record Stats(int[] v) {
    }

    @Test
    void everyRuleHasRecallOneAndOverallPrecisionIsAtLeast97Percent() {
        Scanner scanner = new Scanner(RuleSet.builtin());
        Map<String, int[]> perRule = new TreeMap<>(); // planted, found, falsePositives
        for (Rule r : RuleSet.builtin().rules()) {
            perRule.put(r.id(), new int[3]);
        }
        int tp = 0;
        int fp = 0;
        List<String> missed = new ArrayList<>();
        Map<String, String> fpWhere = new LinkedHashMap<>();
        for (Doc d : positives) {
            FakeSecrets.Sample s = d.planted().get(0);
            perRule.get(s.ruleId())[0]++;
            boolean found = false;
            for (Finding f : scanner.scan(d.path(), d.text())) {
                if (f.ruleId().equals(s.ruleId()) && f.secret().equals(s.secret())) {
                    found = true;
                    tp++;
                } else {
                    fp++;
                    perRule.get(f.ruleId())[2]++;
                    fpWhere.putIfAbsent(f.ruleId(), d.path() + ":" + f.line() + " (planted " + s.ruleId() + ")");
                }
            }
            if (found) {
                perRule.get(s.ruleId())[1]++;
            } else {
                missed.add(s.ruleId() + " in " + d.path());
            }
        }
        for (Doc d : negatives) {
            for (Finding f : scanner.scan(d.path(), d.text())) {
                fp++;
                perRule.get(f.ruleId())[2]++;
                fpWhere.putIfAbsent(f.ruleId(), d.path() + ":" + f.line());
            }
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "%n%-40s %7s %6s %4s %9s %7s%n", "rule", "planted", "found", "fp", "precision", "recall"));
        for (Map.Entry<String, int[]> e : perRule.entrySet()) {
            int[] v = e.getValue();
            double precision = v[1] + v[2] == 0 ? 1.0 : (double) v[1] / (v[1] + v[2]);
            double recall = v[0] == 0 ? 1.0 : (double) v[1] / v[0];
            table.append(String.format(Locale.ROOT, "%-40s %7d %6d %4d %9.3f %7.3f%n", e.getKey(), v[0], v[1], v[2], precision, recall));
        }
        double precision = (double) tp / (tp + fp);
        double recall = (double) tp / positives.size();
        table.append(String.format(Locale.ROOT, "OVERALL rules=%d positives=%d negatives-docs=%d tp=%d fp=%d precision=%.4f recall=%.4f%n",
                perRule.size(), positives.size(), negatives.size(), tp, fp, precision, recall));
        if (!fpWhere.isEmpty()) {
            table.append("false positives (first per rule): ").append(fpWhere).append('\n');
        }
        System.out.println(table);
        assertThat(missed).as("planted secrets not found (recall must be 100%% per rule)").isEmpty();
        assertThat(perRule.values().stream().filter(v -> v[0] == 0).count()).as("rules without a generated sample").isZero();
        assertThat(precision).as("overall precision").isGreaterThanOrEqualTo(0.97);
    }

    @Test
    void builtInRuleSetHasAtLeast100RulesEachWithIdDescriptionKeywordsAndRegex() {
        List<Rule> rules = RuleSet.builtin().rules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(100);
        for (Rule r : rules) {
            assertThat(r.description()).as(r.id()).isNotBlank();
            assertThat(r.keywords()).as(r.id()).isNotEmpty();
            assertThat(r.regex()).as(r.id()).isPresent();
            assertThat(r.regex().get().pattern()).as(r.id()).contains("(");
        }
    }
}

