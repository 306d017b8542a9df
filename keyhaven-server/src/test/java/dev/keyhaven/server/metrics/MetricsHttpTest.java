package dev.keyhaven.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.metrics.PrometheusTextParser;
import dev.keyhaven.core.util.Json;
import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerConfig;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sys/metrics and sys/alerts over real HTTP against a real server (SQLite, barrier, token store, Netty edge). */
class MetricsHttpTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();

    @TempDir Path dir;
    private KeyhavenServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    /** Credential-shaped values are made at test time. */
    private static String random(String prefix) {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    private record Res(int status, String body, HttpResponse<String> raw) {
        Map<String, Object> json() {
            return Json.parseObject(body.getBytes(StandardCharsets.UTF_8));
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> data() {
            return (Map<String, Object>) json().get("data");
        }
    }

    private Res send(String method, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("X-Vault-Token", token);
        if (body != null) b.header("Content-Type", "application/json");
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Res(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    private String devServer() {
        String root = random("hvs.");
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(root), Optional.of("127.0.0.1:0"), Optional.of(dir)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        return root;
    }

    private static double value(Map<String, PrometheusTextParser.Family> f, String family, Map<String, String> labels) {
        return f.get(family).sample(family, labels).orElseThrow(() -> new AssertionError(family + labels + " missing: " + f.get(family).samples())).value();
    }

    @Test
    void metricsAfterRealRequestsParseAsPrometheusTextAndNeedAToken() {
        String root = devServer();
        String secretValue = random("canary-");
        assertThat(send("POST", "/v1/secret/data/app/db/password", root, "{\"data\":{\"value\":\"" + secretValue + "\"}}").status()).isEqualTo(200);
        for (int i = 0; i < 3; i++) assertThat(send("GET", "/v1/secret/data/app/db/password", root, null).status()).isEqualTo(200);
        assertThat(send("GET", "/v1/secret/data/app/db/password", random("hvs."), null).status()).isEqualTo(403);

        Res prom = send("GET", "/v1/sys/metrics?format=prometheus", root, null);
        assertThat(prom.status()).isEqualTo(200);
        assertThat(prom.raw().headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(prom.body());
        assertThat(value(f, "keyhaven_requests_total", Map.of("mount", "secret/", "mount_type", "kv", "operation", "read", "code", "200"))).isEqualTo(3.0);
        assertThat(value(f, "keyhaven_requests_total", Map.of("mount", "secret/", "mount_type", "kv", "operation", "read", "code", "403"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_secret_reads_total", Map.of("mount", "secret/", "path_prefix", "app/db/"))).isEqualTo(3.0);
        assertThat(value(f, "keyhaven_auth_failures_total", Map.of("method", "token", "reason", "invalid_token"))).isEqualTo(1.0);
        assertThat(f.get("vault_core_handle_request").type()).isEqualTo("summary");
        assertThat(prom.body()).doesNotContain(root).doesNotContain(secretValue).doesNotContain("password");

        Res json = send("GET", "/v1/sys/metrics", root, null);
        assertThat(json.status()).isEqualTo(200);
        assertThat(json.json()).containsKeys("Timestamp", "Gauges", "Points", "Counters", "Samples").doesNotContainKey("data");

        Res anonymous = send("GET", "/v1/sys/metrics?format=prometheus", null, null);
        assertThat(anonymous.status()).isEqualTo(403);
        assertThat(anonymous.json()).isEqualTo(Map.of("errors", List.of("permission denied")));
        assertThat(send("GET", "/v1/sys/metrics?format=xml", root, null).status()).isEqualTo(400);
        assertThat(send("POST", "/v1/sys/metrics", root, "{}").status()).isEqualTo(405);
    }

    @Test
    void metricsAreOpenWhenTheConfigSaysSo() throws IOException {
        Path cfg = dir.resolve("config.hcl");
        Files.writeString(cfg, "storage \"sqlite\" {\n  path = \"" + dir.resolve("data.db") + "\"\n}\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n"
                + "seal \"file\" {\n  path = \"" + dir.resolve("unseal.key") + "\"\n}\n"
                + "telemetry {\n  unauthenticated_metrics_access = true\n  prometheus_retention_time = \"30s\"\n  disable_hostname = true\n}\n");
        server = KeyhavenServer.start(new ServerOptions(false, Optional.of(cfg), Optional.empty(), Optional.empty(), Optional.empty()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        Res r = send("GET", "/v1/sys/metrics?format=prometheus", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(PrometheusTextParser.parse(r.body())).containsKey("vault_core_handle_request");
        assertThat(send("LIST", "/v1/sys/alerts", null, null).status()).isEqualTo(403); // alerts stay protected
    }

    @Test
    void revokedTokenUseAndABruteForceBurstBecomeAlertsListedAndAcknowledgedOverHttp() {
        String root = devServer();
        Res created = send("POST", "/v1/auth/token/create", root, "{\"policies\":[\"default\"]}");
        @SuppressWarnings("unchecked") Map<String, Object> auth = (Map<String, Object>) created.json().get("auth");
        String token = (String) auth.get("client_token");
        String accessor = (String) auth.get("accessor");
        assertThat(send("POST", "/v1/auth/token/revoke-self", token, "{}").status()).isEqualTo(204);
        assertThat(send("GET", "/v1/auth/token/lookup-self", token, null).status()).isEqualTo(403);
        for (int i = 0; i < 50; i++) send("GET", "/v1/secret/data/app/x", random("hvs."), null);

        Res list = send("LIST", "/v1/sys/alerts", root, null);
        assertThat(list.status()).isEqualTo(200);
        @SuppressWarnings("unchecked") List<String> keys = (List<String>) list.data().get("keys");
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> info = (Map<String, Map<String, Object>>) list.data().get("key_info");
        assertThat(keys).hasSize(2);
        assertThat(info.values()).extracting(i -> i.get("rule")).containsExactlyInAnyOrder("expired_credential", "brute_force");
        assertThat(list.body()).doesNotContain(token).doesNotContain(accessor).contains(accessor.substring(0, 8) + "...");

        String credentialAlert = keys.stream().filter(k -> info.get(k).get("rule").equals("expired_credential")).findFirst().orElseThrow();
        Res acked = send("POST", "/v1/sys/alerts/ack/" + credentialAlert, root, "{}");
        assertThat(acked.status()).isEqualTo(200);
        assertThat(acked.data()).containsEntry("acknowledged", true).containsEntry("rule", "expired_credential");
        assertThat(send("GET", "/v1/sys/alerts/" + credentialAlert, root, null).data()).containsEntry("acknowledged", true);
        assertThat(send("GET", "/v1/sys/alerts?list=true&unacknowledged=true", root, null).body()).doesNotContain(credentialAlert);
        assertThat(send("GET", "/v1/sys/alerts/not-an-id", root, null).status()).isEqualTo(400);
        assertThat(send("LIST", "/v1/sys/alerts", token, null).status()).isEqualTo(403);

        Res prom = send("GET", "/v1/sys/metrics?format=prometheus", root, null);
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(prom.body());
        // two uses of the revoked token (lookup-self, LIST sys/alerts): both counted, one alert
        assertThat(value(f, "keyhaven_expired_credential_uses_total", Map.of("kind", "revoked_token"))).isEqualTo(2.0);
        assertThat(value(f, "keyhaven_alerts_raised_total", Map.of("rule", "expired_credential"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_alerts_raised_total", Map.of("rule", "brute_force"))).isEqualTo(1.0);
    }

    @Test
    void fiftyFailedAppRoleLoginsInAMinuteRaiseOneBruteForceAlert() {
        String root = devServer();
        assertThat(send("POST", "/v1/sys/auth/approle", root, "{\"type\":\"approle\"}").status()).isIn(200, 204);
        for (int i = 0; i < 60; i++) {
            Res r = send("POST", "/v1/auth/approle/login", null, "{\"role_id\":\"" + random("r") + "\",\"secret_id\":\"" + random("s") + "\"}");
            assertThat(r.status()).isEqualTo(400);
        }
        Res list = send("LIST", "/v1/sys/alerts", root, null);
        assertThat(list.status()).isEqualTo(200);
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> info = (Map<String, Map<String, Object>>) list.data().get("key_info");
        assertThat(info.values()).singleElement().satisfies(i -> {
            assertThat(i.get("rule")).isEqualTo("brute_force");
            assertThat(i.get("subject")).isEqualTo("source 127.0.0.1");
        });
        Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(send("GET", "/v1/sys/metrics?format=prometheus", root, null).body());
        assertThat(f.get("keyhaven_auth_failures_total").samples()).anySatisfy(s -> {
            assertThat(s.labels()).containsEntry("method", "approle");
            assertThat(s.value()).isEqualTo(60.0);
        });
    }

    @Test
    void badTelemetryConfigIsRefusedWithFileAndLine() {
        String base = "storage \"sqlite\" {\n  path = \"x.db\"\n}\nlistener \"tcp\" {\n  tls_disable = true\n}\n";
        assertThatThrownBy(() -> ServerConfig.parse("k.hcl", base + "telemetry {\n  unauthenticated_metrics_acess = true\n}\n", dir))
                .hasMessageContaining("k.hcl:8: unknown key \"unauthenticated_metrics_acess\" in telemetry").hasMessageContaining("did you mean");
        assertThatThrownBy(() -> ServerConfig.parse("k.hcl", base + "telemetry {\n  alert_webhook_url = \"ftp://x\"\n}\n", dir))
                .hasMessageContaining("k.hcl:8: invalid value for \"alert_webhook_url\"");
        assertThatThrownBy(() -> ServerConfig.parse("k.hcl", base + "telemetry {\n  alert_brute_force_threshold = 1\n}\n", dir))
                .hasMessageContaining("alert_brute_force_threshold");
        assertThatThrownBy(() -> ServerConfig.parse("k.hcl", base + "telemetry {\n  alert_webhook_url = \"https://hooks.example.com/k\"\n"
                + "  alert_webhook_secret_file = \"missing.secret\"\n}\n", dir)).hasMessageContaining("cannot read \"alert_webhook_secret_file\"");
        ServerConfig ok = ServerConfig.parse("k.hcl", base + "telemetry {\n  alert_brute_force_threshold = 20\n  alert_spike_factor = 10.5\n}\n", dir);
        assertThat(ok.telemetry().alerts().bruteForceThreshold()).isEqualTo(20);
        assertThat(ok.telemetry().alerts().spikeFactor()).isEqualTo(10.5);
    }
}
