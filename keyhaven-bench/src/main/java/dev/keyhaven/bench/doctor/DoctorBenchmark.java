package dev.keyhaven.bench.doctor;

import dev.keyhaven.doctor.Doctor;
import dev.keyhaven.doctor.DoctorOptions;
import dev.keyhaven.doctor.Report;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code keyhaven doctor} benchmark. Run (from the repository root):
 * <pre>
 * ./mvnw -q -B -DskipTests package
 * java -cp "keyhaven-bench/target/keyhaven-bench.jar" dev.keyhaven.bench.doctor.DoctorBenchmark
 * </pre>
 * Generates a 10,000-file repository (source files in several languages, GitHub workflows, Dockerfiles, compose
 * files, Kubernetes manifests, .env.example files, a .gitignore; git-initialised with one commit) in a temp dir, then
 * runs the doctor in-process once cold (fresh JVM: class loading, the scanner's rule set, JIT) and 5 times warm.
 * The baseline, measured in the same run on the same tree, is {@code git ls-files} plus reading every listed file
 * once: the least any whole-checkout tool must do. The report is the ratio doctor time / baseline time.
 * System properties: kh.bench.dir (parent of the generated repository, default $TMPDIR), kh.bench.files (10000),
 * kh.bench.keep=true to keep the repository.
 */
public final class DoctorBenchmark {
    static final int WARM = 5;

    public static void main(String[] args) throws Exception {
        int files = Integer.getInteger("kh.bench.files", 10_000);
        Path parent = Path.of(System.getProperty("kh.bench.dir", System.getProperty("java.io.tmpdir")));
        Path repo = Files.createTempDirectory(parent, "keyhaven-doctor-bench");
        try {
            long bytes = Generator.generate(repo, files, new Random(20260601));
            git(repo, "init", "-q");
            git(repo, "add", "-A");
            git(repo, "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "generated");
            int cores = Runtime.getRuntime().availableProcessors();
            System.out.printf(Locale.ROOT, "Keyhaven doctor benchmark — %d cores, %s %s, load average %.1f%n", cores,
                    System.getProperty("java.vm.name"), System.getProperty("java.version"), loadAverage());
            System.out.printf(Locale.ROOT, "repository: %s (%d files, %.1f MB, git, 1 commit)%n", repo, files, bytes / 1e6);

            // doctor first, so that its first run is really the first use of every class in this JVM
            double[] doctor = new double[WARM + 1];
            Report last = null;
            for (int i = 0; i <= WARM; i++) {
                long t0 = System.nanoTime();
                last = new Doctor().run(repo, DoctorOptions.defaults());
                doctor[i] = (System.nanoTime() - t0) / 1e9;
            }
            double[] base = new double[WARM + 1];
            long[] read = new long[2];
            for (int i = 0; i <= WARM; i++) {
                long t0 = System.nanoTime();
                read = rawRead(repo);
                base[i] = (System.nanoTime() - t0) / 1e9;
            }
            System.out.printf(Locale.ROOT, "doctor:   cold %.3f s; warm %s s (median %.3f s); %d checks, %d findings, score %d%n",
                    doctor[0], list(doctor), median(doctor), last.checks().size(), last.findings().size(), last.score());
            System.out.printf(Locale.ROOT, "baseline: git ls-files + read %d files (%.1f MB) once: first %.3f s; then %s s (median %.3f s)%n",
                    read[0], read[1] / 1e6, base[0], list(base), median(base));
            System.out.printf(Locale.ROOT, "ratio doctor / baseline: cold %.1fx, warm %.1fx (medians of the warm runs); load average now %.1f%n",
                    doctor[0] / median(base), median(doctor) / median(base), loadAverage());
        } finally {
            if (!Boolean.getBoolean("kh.bench.keep")) delete(repo);
        }
    }

    /** git ls-files, then every listed file read once; returns {files, bytes}. */
    static long[] rawRead(Path repo) throws IOException, InterruptedException {
        byte[] ls = git(repo, "ls-files", "-z");
        long n = 0;
        long total = 0;
        for (String p : new String(ls, StandardCharsets.UTF_8).split("\0")) {
            if (p.isEmpty()) continue;
            total += Files.readAllBytes(repo.resolve(p)).length;
            n++;
        }
        return new long[] {n, total};
    }

    static byte[] git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IOException("git " + args[0] + " failed");
        return out;
    }

    static double median(double[] runs) {
        double[] w = Arrays.copyOfRange(runs, 1, runs.length);
        Arrays.sort(w);
        return w.length % 2 == 1 ? w[w.length / 2] : (w[w.length / 2 - 1] + w[w.length / 2]) / 2;
    }

    static String list(double[] runs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < runs.length; i++) sb.append(i > 1 ? " " : "").append(String.format(Locale.ROOT, "%.3f", runs[i]));
        return sb.toString();
    }

    static double loadAverage() { return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(); }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }

    /** Writes a realistic repository: mostly source files, plus the configuration the doctor reads. */
    static final class Generator {
        private Generator() {}

        static long generate(Path root, int total, Random r) throws IOException {
            List<String[]> cfg = new ArrayList<>();
            cfg.add(new String[] {".gitignore", "target/\nnode_modules/\n*.log\n.env\n.env.*\n!.env.example\n*.pem\n*.key\n"});
            cfg.add(new String[] {"README.md", "# shop\n\nA generated monorepo for benchmarking.\n"});
            cfg.add(new String[] {"SECURITY.md", "# Security\n\nReport vulnerabilities to security@example.org. We disclose after a fix.\n"});
            cfg.add(new String[] {".github/CODEOWNERS", "* @shop/maintainers\n/.github/ @shop/security\n**/Dockerfile @shop/platform\n"});
            cfg.add(new String[] {".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule: {interval: weekly}\n"});
            cfg.add(new String[] {"pom.xml", "<project><modelVersion>4.0.0</modelVersion><groupId>shop</groupId><artifactId>shop</artifactId><version>1</version></project>\n"});
            cfg.add(new String[] {"package.json", "{\"name\": \"shop-web\", \"version\": \"1.0.0\", \"scripts\": {\"test\": \"jest\"}}\n"});
            for (int i = 0; i < 6; i++) cfg.add(new String[] {".github/workflows/wf" + i + ".yml", workflow(i)});
            for (int i = 0; i < 12; i++) {
                cfg.add(new String[] {"services/svc" + i + "/Dockerfile", "FROM eclipse-temurin:21-jre" + (i % 3 == 0 ? "" : "@sha256:" + "c".repeat(64))
                        + "\nWORKDIR /app\nARG VERSION=1.0." + i + "\nCOPY target/app.jar /app/app.jar\nUSER 1000\nENTRYPOINT [\"java\", \"-jar\", \"/app/app.jar\"]\n"});
                cfg.add(new String[] {"services/svc" + i + "/.env.example", "PORT=80" + i + "\nDB_URL=jdbc:postgresql://db:5432/svc" + i + "\nDB_PASSWORD=\n"});
            }
            cfg.add(new String[] {"docker-compose.yml", compose()});
            cfg.add(new String[] {"deploy/compose.prod.yaml", compose()});
            for (int i = 0; i < 40; i++) cfg.add(new String[] {"deploy/k8s/svc" + (i % 12) + "/m" + i + ".yaml", k8s(i)});
            long bytes = 0;
            for (String[] f : cfg) bytes += write(root.resolve(f[0]), f[1]);
            String[] langs = {"java", "ts", "py", "go"};
            for (int i = 0; i < total - cfg.size(); i++) {
                String lang = langs[i % langs.length];
                String dir = "services/svc" + (i % 12) + "/src/" + "m" + (i / 12 % 40) + "/p" + (i % 7);
                bytes += write(root.resolve(dir + "/F" + i + "." + lang), source(lang, i, r));
            }
            return bytes;
        }

        static long write(Path p, String text) throws IOException {
            Files.createDirectories(p.getParent());
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            Files.write(p, b);
            return b.length;
        }

        static String workflow(int i) {
            String sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
            return "name: wf" + i + "\non:\n  push:\n  pull_request:\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-24.04\n"
                    + "    steps:\n      - uses: actions/checkout@" + sha + " # v4.2.2\n        with:\n          persist-credentials: false\n"
                    + "      - uses: actions/setup-java@c5195efecf7bdfc987ee8bae7a71cb8b11521c00 # v4.7.1\n        with:\n          distribution: temurin\n          java-version: '21'\n"
                    + "      - run: ./mvnw -B verify\n      - run: echo \"building ${{ github.ref_name }}\"\n"
                    + (i == 0 ? "  scan:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@" + sha + " # v4.2.2\n        with:\n          persist-credentials: false\n      - run: keyhaven scan .\n" : "");
        }

        static String compose() {
            return "services:\n  db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n    secrets: [db]\n"
                    + "  web:\n    build: services/svc0\n    environment:\n      DB_URL: jdbc:postgresql://db:5432/app\n      DB_PASSWORD: ${DB_PASSWORD}\n    ports: [\"8080:8080\"]\n"
                    + "secrets:\n  db:\n    file: ./db_password.txt\n";
        }

        static String k8s(int i) {
            return switch (i % 3) {
                case 0 -> "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc" + i + "\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n"
                        + "        - name: app\n          image: registry.example.org/svc:1.0." + i + "\n          env:\n            - name: DB_PASSWORD\n"
                        + "              valueFrom:\n                secretKeyRef:\n                  name: db\n                  key: password\n";
                case 1 -> "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc" + i + "\nspec:\n  ports:\n    - port: 80\n      targetPort: 8080\n";
                default -> "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg" + i + "\ndata:\n  LOG_LEVEL: info\n  FEATURE_X: \"true\"\n";
            };
        }

        static String source(String lang, int i, Random r) {
            StringBuilder sb = new StringBuilder();
            int fns = 6 + r.nextInt(30);
            switch (lang) {
                case "java" -> {
                    sb.append("package shop.m").append(i % 40).append(";\n\nimport java.util.List;\n\npublic final class F").append(i).append(" {\n");
                    for (int k = 0; k < fns; k++) sb.append("    static int f").append(k).append("(List<Integer> xs) {\n        int s = ").append(r.nextInt(1000))
                            .append(";\n        for (int x : xs) s += x * ").append(k + 1).append(";\n        return s;\n    }\n\n");
                    sb.append("}\n");
                }
                case "ts" -> {
                    sb.append("import { api } from '../api';\n\n");
                    for (int k = 0; k < fns; k++) sb.append("export async function load").append(k).append("(id: string): Promise<number> {\n  const r = await api.get(`/items/${id}?v=")
                            .append(r.nextInt(100)).append("`);\n  return r.data.length + ").append(k).append(";\n}\n\n");
                }
                case "py" -> {
                    sb.append("import os\nimport logging\n\nlog = logging.getLogger(__name__)\n\n");
                    for (int k = 0; k < fns; k++) sb.append("def handler_").append(k).append("(event, ctx):\n    timeout = int(os.environ.get(\"TIMEOUT\", \"")
                            .append(r.nextInt(60)).append("\"))\n    log.info(\"handling %s\", event)\n    return {\"ok\": True, \"n\": ").append(k).append("}\n\n\n");
                }
                default -> {
                    sb.append("package m").append(i % 40).append("\n\nimport \"fmt\"\n\n");
                    for (int k = 0; k < fns; k++) sb.append("func F").append(k).append("(xs []int) int {\n\ts := ").append(r.nextInt(1000))
                            .append("\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\tfmt.Println(s)\n\treturn s\n}\n\n");
                }
            }
            return sb.toString();
        }
    }
}
