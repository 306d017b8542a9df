package dev.keyhaven.doctor;

import static dev.keyhaven.doctor.Fixtures.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.doctor.checks.Catalogue;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One bad and one good fixture repository per check: the check fires on bad (at the expected file:line) and is silent on good. */
class CheckFixturesTest {
    static final String SHA_CO = "11bd71901bbe5b1630ceea73d27597364c9af683";
    static final String CO = "actions/checkout@" + SHA_CO + " # v4.2.2";

    record Case(String id, Map<String, String> bad, Map<String, String> good, String path, int line, boolean git) {}

    static String wf(String on, String jobBody) {
        return "name: x\non: " + on + "\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-24.04\n" + jobBody;
    }

    static String steps(String... steps) { return "    steps:\n" + String.join("", steps); }

    static String checkout() { return "      - uses: " + CO + "\n        with:\n          persist-credentials: false\n"; }

    static String run(String script) { return "      - run: " + script + "\n"; }

    static List<Case> cases() {
        String aws = Fixtures.awsKeyId();
        String gh = Fixtures.githubToken();
        String rnd = Fixtures.randomSecret();
        String pem = Fixtures.pem();
        String W = ".github/workflows/ci.yml";
        String goodGitignore = ".env\n.env.*\n!.env.example\n.secrets/\n*.pem\n*.key\n*.p12\n*.jks\nid_rsa*\n**/secrets.y*ml\n.pypirc\n.npmrc\ncredentials.json\n*.tfstate*\n*.tfvars\n.vault-token\nkubeconfig\n";
        List<Case> c = new ArrayList<>();
        c.add(new Case("KH101", files(".env", "DB_HOST=localhost\n"), files(".env.example", "DB_HOST=\n"), ".env", 0, true));
        c.add(new Case("KH102", files(".gitignore", "target/\n"), files(".gitignore", goodGitignore), ".gitignore", 0, true));
        c.add(new Case("KH103", files("certs/server.pem", pem), files("certs/README.md", "keys are generated at deploy time\n"), "certs/server.pem", 1, true));
        c.add(new Case("KH104", files(".npmrc", "registry=https://r.example\n//r.example/:_authToken=" + rnd + "\n"), files(".npmrc", "//r.example/:_authToken=${NPM_TOKEN}\n"), ".npmrc", 2, false));
        c.add(new Case("KH105", files(".env.example", "PORT=8080\nAWS_ACCESS_KEY_ID=" + aws + "\n"), files(".env.example", "PORT=8080\nAWS_ACCESS_KEY_ID=\n"), ".env.example", 2, false));
        c.add(new Case("KH106", files("src/main/resources/application.yml", "app:\n  db:\n    password: changeme\n"), files("src/main/resources/application.yml", "app:\n  db:\n    password: ${DB_PASSWORD}\n"), "src/main/resources/application.yml", 3, false));
        c.add(new Case("KH107", files("src/main/resources/application.properties", "server.port=8080\nspring.datasource.password=" + rnd + "\n"), files("src/main/resources/application.properties", "spring.datasource.password=${DB_PASSWORD}\n"), "src/main/resources/application.properties", 2, false));
        c.add(new Case("KH108", null, null, null, 0, true)); // built specially below
        c.add(new Case("KH201", files("Dockerfile", "FROM alpine:3.20@sha256:" + "a".repeat(64) + "\nARG NPM_TOKEN\nRUN echo build\n"), files("Dockerfile", "FROM alpine:3.20@sha256:" + "a".repeat(64) + "\nARG VERSION=1\n"), "Dockerfile", 2, false));
        c.add(new Case("KH202", files("Dockerfile", "FROM alpine:3.20@sha256:" + "a".repeat(64) + "\nCOPY .env /app/.env\n"), files("Dockerfile", "FROM alpine:3.20@sha256:" + "a".repeat(64) + "\nCOPY . /app\n", ".dockerignore", ".git\n.env*\n!.env.example\n*.pem\n*.key\nid_rsa*\n.npmrc\n.pypirc\n"), "Dockerfile", 2, false));
        c.add(new Case("KH203", files("docker-compose.yml", "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: " + rnd + "\n"), files("docker-compose.yml", "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n    secrets: [db]\nsecrets:\n  db:\n    file: ./db.txt\n"), "docker-compose.yml", 5, false));
        c.add(new Case("KH204", files("k8s/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: " + java.util.Base64.getEncoder().encodeToString(rnd.getBytes()) + "\n"), files("k8s/secret.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgB\n"), "k8s/secret.yaml", 6, false));
        c.add(new Case("KH205", files("Dockerfile", "FROM node\n"), files("Dockerfile", "FROM node:22@sha256:" + "b".repeat(64) + "\n"), "Dockerfile", 1, false));
        c.add(new Case("KH301", files(".pre-commit-config.yaml", "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks:\n      - id: black\n"), files(".pre-commit-config.yaml", "repos:\n  - repo: https://github.com/gitleaks/gitleaks\n    rev: v8.28.0\n    hooks:\n      - id: gitleaks\n"), ".pre-commit-config.yaml", 0, false));
        c.add(new Case("KH302", files(".secrets.baseline", "{\"results\": {\"gone.py\": [{\"line_number\": 3, \"hashed_secret\": \"x\"}]}}\n"), files(".secrets.baseline", "{\"results\": {\"app.py\": [{\"line_number\": 1, \"hashed_secret\": \"x\"}]}}\n", "app.py", "x = 1\n"), ".secrets.baseline", 1, false));
        c.add(new Case("KH303", files(W, wf("push", steps(checkout(), run("make test")))), files(W, wf("[push, schedule]", steps(checkout(), run("keyhaven scan --format sarif .")))), "", 0, false));
        c.add(new Case("KH304", files("app.py", "token = load()  # nosec\n"), files("app.py", "token = load()  # nosec B105 -- value comes from the vault at runtime\n"), "app.py", 1, false));
        c.add(new Case("KH305", files("README.md", "hi\n"), files("SECURITY.md", "Report vulnerabilities to security@example.org; we disclose after a fix.\n"), "", 0, false));
        c.add(new Case("KH306", files(".github/CODEOWNERS", "*.java @team/java\n"), files(".github/CODEOWNERS", "* @org/maint\n/.github/ @org/security\n"), ".github/CODEOWNERS", 0, false));
        c.add(new Case("KH307", files("pom.xml", "<project/>\n"), files("pom.xml", "<project/>\n", ".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: maven\n    directory: /\n    schedule: {interval: weekly}\n    cooldown:\n      default-days: 7\n"), "", 0, false));
        c.add(new Case("KH308", files(W, wf("push", steps(checkout(), run("make")))), files(W, wf("push", steps(checkout(), run("osv-scanner -r .; semgrep scan")))), "", 0, false));
        c.add(new Case("KH401", files(W, "on: push\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n" + run("make")), files(W, wf("push", steps(run("make")))), W, 1, false));
        c.add(new Case("KH402", files(W, "on: push\npermissions:\n  contents: write\njobs:\n  b:\n    runs-on: ubuntu-24.04\n    steps:\n" + run("make")), files(W, wf("push", "    permissions:\n      contents: write\n" + steps(run("make")))), W, 3, false));
        c.add(new Case("KH403", files(W, wf("push", steps("      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n"))), files(W, wf("push", steps(checkout()))), W, 9, false));
        c.add(new Case("KH404", files(W, wf("pull_request_target", steps("      - uses: " + CO + "\n        with:\n          persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n", run("make")))), files(W, wf("pull_request_target", steps(checkout(), run("gh pr comment 1 --body hi")))), W, 12, false));
        c.add(new Case("KH405", files(W, wf("issues", steps(run("echo \"${{ github.event.issue.title }}\"")))), files(W, wf("issues", steps("      - run: echo \"$TITLE\"\n        env:\n          TITLE: ${{ github.event.issue.title }}\n"))), W, 9, false));
        c.add(new Case("KH406", files(W, wf("push", steps("      - run: echo \"$TOKEN\"\n        env:\n          TOKEN: ${{ secrets.API_TOKEN }}\n"))), files(W, wf("push", steps("      - run: ./deploy.sh\n        env:\n          TOKEN: ${{ secrets.API_TOKEN }}\n"))), W, 9, false));
        c.add(new Case("KH407", files(W, wf("push", steps("      - run: ./deploy.sh\n        env:\n          PW: ${{ fromJSON(secrets.CREDS).password }}\n"))), files(W, wf("push", steps("      - run: ./deploy.sh\n        env:\n          PW: ${{ secrets.DB_PASSWORD }}\n"))), W, 11, false));
        c.add(new Case("KH408", files(W, wf("push", "    steps:\n" + run("make")) + "  call:\n    uses: org/repo/.github/workflows/r.yml@" + SHA_CO + " # v1\n    secrets: inherit\n"), files(W, wf("push", "    steps:\n" + run("make")) + "  call:\n    uses: org/repo/.github/workflows/r.yml@" + SHA_CO + " # v1\n    secrets:\n      TOKEN: ${{ secrets.TOKEN }}\n"), W, 12, false));
        c.add(new Case("KH409", files(W, wf("push", steps("      - uses: " + CO + "\n"))), files(W, wf("push", steps(checkout()))), W, 9, false));
        c.add(new Case("KH410", files(W, wf("push", steps("      - uses: aws-actions/configure-aws-credentials@" + SHA_CO + " # v4\n        with:\n          aws-access-key-id: ${{ secrets.AWS_KEY }}\n          aws-secret-access-key: ${{ secrets.AWS_SECRET }}\n"))), files(W, wf("push", "    permissions:\n      id-token: write\n" + steps("      - uses: aws-actions/configure-aws-credentials@" + SHA_CO + " # v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/x\n"))), W, 12, false));
        c.add(new Case("KH411", files(W, wf("push", "    permissions:\n      id-token: write\n" + steps(run("make")))), files(W, wf("push", "    permissions:\n      id-token: write\n" + steps("      - uses: aws-actions/configure-aws-credentials@" + SHA_CO + " # v4\n        with:\n          role-to-assume: arn:aws:iam::1:role/x\n"))), W, 9, false));
        c.add(new Case("KH412", files(W, wf("push", steps("      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n"))), files(W, wf("push", steps(run("npm publish --provenance")))), W, 9, false));
        c.add(new Case("KH413", files(W, wf("push", steps(run("docker push ghcr.io/x/y:1")))), files(W, wf("push", "    environment: release\n" + steps(run("docker push ghcr.io/x/y:1")))), W, 6, false));
        c.add(new Case("KH414", files(W, wf("release", "    environment: release\n" + steps("      - uses: actions/setup-java@c5195efecf7bdfc987ee8bae7a71cb8b11521c00 # v4.7.1\n        with:\n          cache: maven\n", run("mvn deploy")))), files(W, wf("release", "    environment: release\n" + steps("      - uses: actions/setup-java@c5195efecf7bdfc987ee8bae7a71cb8b11521c00 # v4.7.1\n", run("mvn deploy")))), W, 12, false));
        c.add(new Case("KH415", files(W, wf("push", steps(run("echo \"::set-env name=A::b\"")))), files(W, wf("push", steps(run("echo \"A=b\" >> \"$GITHUB_ENV\"")))), W, 9, false));
        c.add(new Case("KH416", files(W, wf("push", "    container:\n      image: ghcr.io/x/y@sha256:" + "c".repeat(64) + "\n      credentials:\n        username: bot\n        password: " + rnd + "\n" + steps(run("make")))), files(W, wf("push", "    container:\n      image: ghcr.io/x/y@sha256:" + "c".repeat(64) + "\n      credentials:\n        username: bot\n        password: ${{ secrets.REGISTRY_PW }}\n" + steps(run("make")))), W, 12, false));
        c.add(new Case("KH417", files(W, "name: x\non: pull_request\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: [self-hosted, linux]\n" + steps(run("make"))), files(W, wf("pull_request", steps(run("make")))), W, 7, false));
        c.add(new Case("KH418", files(W, wf("push", steps(run("curl -sSL https://get.example.sh | sh")))), files(W, wf("push", steps(run("npm ci")))), W, 9, false));
        c.add(new Case("KH419", files(W, wf("pull_request", "    if: github.actor == 'dependabot[bot]'\n" + steps(run("make")))), files(W, wf("pull_request", "    if: github.event.pull_request.user.login == 'dependabot[bot]'\n" + steps(run("make")))), W, 8, false));
        c.add(new Case("KH501", files("iam/trust.json", "{\"Version\": \"2012-10-17\", \"Statement\": [{\n  \"Effect\": \"Allow\",\n  \"Principal\": {\"Federated\": \"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com\"},\n  \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n  \"Condition\": {\"StringLike\": {\"token.actions.githubusercontent.com:sub\": \"repo:org/*\"}, \"StringEquals\": {\"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"}}}]}\n"),
                files("iam/trust.json", "{\"Version\": \"2012-10-17\", \"Statement\": [{\n  \"Effect\": \"Allow\",\n  \"Principal\": {\"Federated\": \"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com\"},\n  \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n  \"Condition\": {\"StringEquals\": {\"token.actions.githubusercontent.com:sub\": \"repo:org/app:environment:prod\", \"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\"}}}]}\n"), "iam/trust.json", 5, false));
        c.add(new Case("KH502", files("vault/role.json", "{\n  \"role_type\": \"jwt\",\n  \"user_claim\": \"actor\",\n  \"bound_claims\": {\"repository_owner\": \"org\"},\n  \"bound_audiences\": [\"https://keyhaven.example\"],\n  \"token_ttl\": \"10m\",\n  \"token_max_ttl\": \"15m\"\n}\n"),
                files("vault/role.json", "{\n  \"role_type\": \"jwt\",\n  \"user_claim\": \"sub\",\n  \"bound_claims\": {\"repository_id\": \"42\", \"repository_owner_id\": \"7\"},\n  \"bound_subject\": \"repo:org/app:environment:prod\",\n  \"bound_audiences\": [\"https://keyhaven.example\"],\n  \"token_ttl\": \"10m\",\n  \"token_max_ttl\": \"15m\"\n}\n"), "vault/role.json", 1, false));
        c.add(new Case("KH503", files(".gitlab-ci.yml", "variables:\n  DB_PASSWORD: " + rnd + "\ntest:\n  script: [make]\n"), files(".gitlab-ci.yml", "test:\n  script: [make]\n"), ".gitlab-ci.yml", 2, false));
        return c;
    }

    static Stream<Arguments> caseArgs() {
        return cases().stream().filter(c -> c.bad != null).map(c -> Arguments.of(c.id, c));
    }

    static List<Finding> run(Path dir, String id) {
        Doctor d = new Doctor();
        return d.run(dir, new DoctorOptions(Set.of(id), Set.of(), LocalDate.of(2026, 1, 1))).findings();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseArgs")
    void checkFiresOnBadAndIsSilentOnGood(String id, Case c, @TempDir Path tmp) throws Exception {
        Path bad = Fixtures.write(tmp.resolve("bad"), c.bad, c.git);
        Path good = Fixtures.write(tmp.resolve("good"), c.good, c.git);
        List<Finding> onBad = run(bad, id);
        assertThat(onBad).as(id + " on bad").isNotEmpty();
        assertThat(onBad).as(id + " location").anyMatch(f -> f.location().path().equals(c.path) && (c.line == 0 || f.location().line() == c.line));
        List<Finding> onGood = run(good, id);
        assertThat(onGood).as(id + " on good: " + onGood.stream().map(f -> f.location() + " " + f.message()).collect(Collectors.joining("; "))).isEmpty();
    }

    @Test
    void secretInHistoryFiresForADeletedSecretAndNotForCleanHistory(@TempDir Path tmp) throws Exception {
        Path bad = Fixtures.write(tmp.resolve("bad"), files("config.py", "AWS_KEY = \"" + Fixtures.awsKeyId() + "\"\n"), true);
        java.nio.file.Files.delete(bad.resolve("config.py"));
        Fixtures.run(bad, "git", "add", "-A");
        Fixtures.run(bad, "git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "remove");
        assertThat(run(bad, "KH108")).anyMatch(f -> f.location().path().equals("config.py"));
        Path good = Fixtures.write(tmp.resolve("good"), files("config.py", "AWS_KEY = os.environ['AWS_KEY']\n"), true);
        assertThat(run(good, "KH108")).isEmpty();
    }

    @Test
    void catalogueHasAtLeastFortyChecksWithUniqueIdsAndAFixtureEach() {
        List<Check> all = Catalogue.all();
        assertThat(all).hasSizeGreaterThanOrEqualTo(40);
        assertThat(all.stream().map(Check::id).distinct().count()).isEqualTo(all.size());
        assertThat(all.stream().map(Check::slug).distinct().count()).isEqualTo(all.size());
        Set<String> covered = cases().stream().map(Case::id).collect(Collectors.toSet());
        assertThat(covered).containsAll(all.stream().map(Check::id).toList());
    }
}
