package dev.keyhaven.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.audit.AuditBroker;
import dev.keyhaven.core.audit.AuditVerifier;
import dev.keyhaven.core.audit.CheckpointSigner;
import dev.keyhaven.core.util.Json;
import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.support.VaultResponse;

/** Audit over real HTTP against an in-process dev server: entries per call, canaries, fail-closed 503, real clients. */
class AuditHttpTest {
    @TempDir
    Path dir;
    KeyhavenServer server;
    String root;
    String base;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();

    record Res(int status, String body) {
        Map<String, Object> json() {
            return Json.parseObject(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    static String canary(String kind) {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return "canary-" + kind + "-" + HexFormat.of().formatHex(b);
    }

    @BeforeEach
    void start() {
        root = "root-" + UUID.randomUUID();
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(root), Optional.of("127.0.0.1:0"), Optional.of(dir.resolve("data"))),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        base = server.url();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    Res call(String method, String path, String json, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/" + path)).timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (token != null) b.header("X-Vault-Token", token);
        if (json != null) b.header("Content-Type", "application/json");
        HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Res(r.statusCode(), r.body());
    }

    Res call(String method, String path, String json) throws Exception {
        return call(method, path, json, root);
    }

    static List<Map<String, Object>> entries(Path file) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) if (!l.isBlank()) out.add(Json.parseObject(l.getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    Path enableFile(String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        Res r = call("PUT", "sys/audit/" + name, "{\"type\":\"file\",\"options\":{\"file_path\":\"" + log + "\"}}");
        assertThat(r.status()).as(r.body()).isEqualTo(204);
        return log;
    }

    @Test
    void realApiCallsProduceOneRequestAndOneResponseEntryEachInOrder() throws Exception {
        Path log = enableFile("file");
        List<String[]> calls = List.of(
                new String[] {"POST", "secret/data/app/db", "{\"data\":{\"password\":\"x1\"}}"},
                new String[] {"GET", "secret/data/app/db", null},
                new String[] {"GET", "secret/data/app/missing", null},
                new String[] {"LIST", "secret/metadata/app", null},
                new String[] {"DELETE", "secret/data/app/db", null});
        for (String[] c : calls) call(c[0], c[1], c[2]);
        call("GET", "secret/data/app/db", null, "not-a-token"); // refused: still audited
        List<Map<String, Object>> es = entries(log).stream().filter(e -> !"checkpoint".equals(e.get("type"))).toList();
        // the enable call itself ran before any device existed: not audited (as with the first device in Vault)
        List<Map<String, Object>> rest = es;
        assertThat(rest).hasSize(2 * (calls.size() + 1));
        for (int i = 0; i < calls.size(); i++) {
            Map<String, Object> req = rest.get(2 * i);
            Map<String, Object> resp = rest.get(2 * i + 1);
            assertThat(req.get("type")).isEqualTo("request");
            assertThat(resp.get("type")).isEqualTo("response");
            assertThat(map(req.get("request")).get("path")).isEqualTo(calls.get(i)[1]);
            assertThat(map(resp.get("request")).get("id")).isEqualTo(map(req.get("request")).get("id"));
        }
        assertThat(rest.get(rest.size() - 1).get("error")).isEqualTo("permission denied");
        Res pub = call("GET", "sys/audit-pubkey", null);
        var key = CheckpointSigner.parsePublicKey((String) map(pub.json().get("data")).get("public_key"));
        AuditVerifier.Result v = new AuditVerifier(Optional.of(key), Optional.empty()).verifyFiles(List.of(log));
        assertThat(v.ok()).as(v.message()).isTrue();
    }

    @Test
    void rawSecretsTokensAndPasswordsAppearNowhereInTheAuditFile() throws Exception {
        Path log = enableFile("file");
        String password = canary("password");
        String apiKey = canary("apikey");
        assertThat(call("POST", "secret/data/app/creds", "{\"data\":{\"password\":\"" + password + "\",\"nested\":{\"k\":[\"" + apiKey + "\"]}}}").status())
                .isBetween(200, 204);
        assertThat(call("GET", "secret/data/app/creds", null).body()).contains(password);
        String text = Files.readString(log);
        assertThat(text).contains("secret/data/app/creds").doesNotContain(password, apiKey, root);
        Res h = call("POST", "sys/audit-hash/file", "{\"input\":\"" + password + "\"}");
        assertThat(text).contains((String) map(h.json().get("data")).get("hash"));
        Res hr = call("POST", "sys/audit-hash/file", "{\"input\":\"" + root + "\"}");
        assertThat(text).contains((String) map(hr.json().get("data")).get("hash"));
    }

    @Test
    void issuedTokensAndAccessorsAppearOnlyAsHmacs() throws Exception {
        Path log = enableFile("file");
        Res created = call("POST", "auth/token/create", "{\"policies\":[\"default\"],\"meta\":{\"app\":\"x\"}}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String childToken = (String) map(created.json().get("auth")).get("client_token");
        String childAccessor = (String) map(created.json().get("auth")).get("accessor");
        assertThat(call("GET", "auth/token/lookup-self", null, childToken).status()).isEqualTo(200);
        String text = Files.readString(log);
        assertThat(text).doesNotContain(root, childToken, childAccessor);
        Res ht = call("POST", "sys/audit-hash/file", "{\"input\":\"" + childToken + "\"}");
        assertThat(text).contains((String) map(ht.json().get("data")).get("hash"));
    }

    @Test
    void aDeviceWhoseFileBecomesUnwritableMakesRequestsFailWith503AndReturnsNoSecret() throws Exception {
        String password = canary("password");
        assertThat(call("POST", "secret/data/app/db", "{\"data\":{\"password\":\"" + password + "\"}}").status()).isBetween(200, 204);
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path log = logs.resolve("audit.log");
        assertThat(call("PUT", "sys/audit/file", "{\"type\":\"file\",\"options\":{\"file_path\":\"" + log + "\"}}").status()).isEqualTo(204);
        assertThat(call("GET", "secret/data/app/db", null).body()).contains(password);
        Files.move(logs, dir.resolve("logs.1"));
        Files.writeString(dir.resolve("logs"), "not a directory");
        AuditBroker.reopenAll(); // what SIGHUP does
        Res r = call("GET", "secret/data/app/db", null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.body()).doesNotContain(password).contains("no audit backend succeeded in logging the request");
        // a write is logged before it runs: refused by the log, it changes nothing
        String other = canary("other");
        Res w = call("POST", "secret/data/app/db", "{\"data\":{\"password\":\"" + other + "\"}}");
        assertThat(w.status()).isEqualTo(503);
        assertThat(w.body()).doesNotContain(other).contains("no audit backend succeeded in logging the request");
        Files.delete(dir.resolve("logs"));
        Files.createDirectories(logs);
        Res after = call("GET", "secret/data/app/db", null);
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.body()).contains(password).doesNotContain(other);
        assertThat(map(map(after.json().get("data")).get("metadata")).get("version")).isEqualTo(1);
        // the refused read was answered after the core returned, once its entries were refused: metrics count what the client got
        Res metrics = call("GET", "sys/metrics?format=prometheus", null);
        assertThat(metrics.body()).containsPattern("keyhaven_requests_total\\{[^}]*code=\"503\"[^}]*mount=\"secret/\"[^}]*operation=\"read\"[^}]*\\} 1\\.0");
    }

    @Test
    void aReadsRequestEntryIsWrittenWithItsResponseAndAWritesBeforeItRuns() throws Exception {
        Path log = enableFile("file");
        call("POST", "secret/data/app/a", "{\"data\":{\"k\":\"v\"}}");
        call("GET", "secret/data/app/a", null);
        List<Map<String, Object>> es = entries(log).stream().filter(e -> !"checkpoint".equals(e.get("type"))).toList();
        assertThat(es).extracting(e -> e.get("type") + " " + map(e.get("request")).get("operation"))
                .containsExactly("request update", "response update", "request read", "response read");
        // the read's request entry carries its arrival time, not the time it was written
        assertThat((String) es.get(2).get("time")).isLessThanOrEqualTo((String) es.get(3).get("time"));
    }

    @Test
    void nodeVaultEnableAuditRequestShapeWorksUnchanged() throws Exception {
        Path log = dir.resolve("node.log");
        // node-vault's enableAudit has no schema: every argument, including "name", becomes the body
        Res en = call("PUT", "sys/audit/node", "{\"name\":\"node\",\"type\":\"file\",\"options\":{\"file_path\":\"" + log + "\"}}");
        assertThat(en.status()).as(en.body()).isEqualTo(204);
        Res list = call("GET", "sys/audit", null);
        assertThat(list.status()).isEqualTo(200);
        Map<String, Object> top = map(list.json().get("node/"));
        assertThat(top).containsEntry("type", "file").containsEntry("path", "node/").containsEntry("local", false);
        assertThat(map(top.get("options"))).containsEntry("file_path", log.toString());
        assertThat(map(list.json().get("data"))).containsKey("node/");
        assertThat(call("DELETE", "sys/audit/node", null).status()).isEqualTo(204);
        assertThat(map(call("GET", "sys/audit", null).json().get("data"))).isEmpty();
    }

    @Test
    void springVaultEnablesAndListsAFileAuditDevice() throws Exception {
        Path log = dir.resolve("spring.log");
        URI uri = URI.create(base);
        VaultEndpoint ep = VaultEndpoint.create(uri.getHost(), uri.getPort());
        ep.setScheme("http");
        VaultTemplate vault = new VaultTemplate(ep, new TokenAuthentication(root));
        vault.write("sys/audit/spring", Map.of("type", "file", "description", "from spring", "options", Map.of("file_path", log.toString())));
        VaultResponse r = vault.read("sys/audit");
        assertThat(r).isNotNull();
        assertThat(r.getRequiredData()).containsKey("spring/");
        assertThat(map(r.getRequiredData().get("spring/"))).containsEntry("description", "from spring");
        vault.write("secret/data/spring", Map.of("data", Map.of("k", "v")));
        assertThat(Files.readString(log)).contains("secret/data/spring");
        vault.delete("sys/audit/spring");
    }
}
