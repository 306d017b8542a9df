package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Vault-compatible HTTP surface against a real dev server over loopback. */
class HttpApiTest {
    @TempDir
    static Path dir;
    static KeyhavenServer server;
    static String token;
    static Http http;

    @BeforeAll
    static void start() {
        token = "test-" + UUID.randomUUID();
        server = TestServers.dev(dir, token);
        http = new Http(server.url()).token(token);
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void healthReturns200WithVaultsFields() {
        Http.Res r = new Http(server.url()).get("/v1/sys/health");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.raw().headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.json()).containsEntry("initialized", true).containsEntry("sealed", false).containsEntry("standby", false)
                .containsKeys("version", "server_time_utc", "cluster_name", "cluster_id", "performance_standby", "replication_dr_mode");
        assertThat(((Number) r.json().get("server_time_utc")).longValue()).isGreaterThan(1_600_000_000L);
    }

    @Test
    void healthHonoursStatusCodeOverridesAndHead() {
        assertThat(new Http(server.url()).get("/v1/sys/health?activecode=299").status()).isEqualTo(299);
        assertThat(new Http(server.url()).get("/v1/sys/health?standbyok=true&sealedcode=200").status()).isEqualTo(200);
        assertThat(new Http(server.url()).get("/v1/sys/health?activecode=abc").status()).isEqualTo(400);
        Http.Res head = new Http(server.url()).send("HEAD", "/v1/sys/health", null);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void kvWriteReadListDeleteUseVaultsEnvelope() {
        assertThat(http.post("/v1/kv/app/db", "{\"password\":\"hunter2\",\"port\":5432}").status()).isEqualTo(204);
        Http.Res r = http.get("/v1/kv/app/db");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).containsKeys("request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth")
                .containsEntry("lease_id", "").containsEntry("renewable", false).containsEntry("wrap_info", null).containsEntry("auth", null);
        assertThat(r.data()).containsEntry("password", "hunter2").containsEntry("port", 5432);

        assertThat(http.list("/v1/kv/app").data()).containsEntry("keys", List.of("db"));
        assertThat((List<Object>) http.get("/v1/kv/?list=true").data().get("keys")).contains("app/");
        assertThat(http.delete("/v1/kv/app/db").status()).isEqualTo(204);
        Http.Res gone = http.get("/v1/kv/app/db");
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json()).isEqualTo(Map.of("errors", List.of()));
        Http.Res empty = http.list("/v1/kv/app/");
        assertThat(empty.status()).isEqualTo(404);
        assertThat(empty.json()).isEqualTo(Map.of("errors", List.of()));
    }

    @Test
    void bearerTokenAndVaultRequestHeaderAreAccepted() {
        Http anon = new Http(server.url());
        assertThat(anon.send("PUT", "/v1/kv/bearer", "{\"a\":\"b\"}", "Authorization", "Bearer " + token, "X-Vault-Request", "true").status()).isEqualTo(204);
        assertThat(anon.send("GET", "/v1/kv/bearer", null, "Authorization", "Bearer " + token).data()).containsEntry("a", "b");
    }

    @Test
    void missingOrWrongTokenIs403PermissionDenied() {
        Http.Res r = new Http(server.url()).get("/v1/kv/x");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json()).isEqualTo(Map.of("errors", List.of("permission denied")));
        assertThat(new Http(server.url()).token("nope").get("/v1/kv/x").status()).isEqualTo(403);
    }

    @Test
    void unknownMountIs404WithVaultsMessage() {
        Http.Res r = http.get("/v1/nomount/x");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json()).isEqualTo(Map.of("errors", List.of("no handler for route \"nomount/x\". route entry not found.")));
    }

    @Test
    void sealStatusIsVaultShaped() {
        Http.Res r = new Http(server.url()).get("/v1/sys/seal-status");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).containsEntry("type", "shamir").containsEntry("initialized", true).containsEntry("sealed", false)
                .containsEntry("t", 1).containsEntry("n", 1).containsEntry("progress", 0).containsKeys("nonce", "version", "storage_type", "cluster_name");
    }

    @Test
    void mountsCanBeListedCreatedAndRemoved() {
        assertThat(http.post("/v1/sys/mounts/team", "{\"type\":\"kv\",\"description\":\"team kv\"}").status()).isEqualTo(204);
        assertThat(http.get("/v1/sys/mounts").data()).containsKeys("secret/", "team/", "sys/");
        assertThat(http.post("/v1/team/k", "{\"v\":\"1\"}").status()).isEqualTo(204);
        assertThat(http.post("/v1/sys/mounts/team", "{\"type\":\"kv\"}").status()).isEqualTo(400);
        assertThat(http.post("/v1/sys/mounts/bad", "{\"type\":\"nosuch\"}").status()).isEqualTo(400);
        assertThat(http.delete("/v1/sys/mounts/team").status()).isEqualTo(204);
        assertThat(http.get("/v1/team/k").status()).isEqualTo(404);
    }

    @Test
    void kvPreflightReportsTheMount() {
        Http.Res r = http.get("/v1/sys/internal/ui/mounts/secret/app/db");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.data()).containsEntry("path", "secret/").containsEntry("type", "kv").containsEntry("options", Map.of("version", "2"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void devModeMountsKvVersion2AtSecret() {
        Http.Res w = http.post("/v1/secret/data/app/config", "{\"data\":{\"api_key\":\"k1\"}}");
        assertThat(w.status()).isEqualTo(200);
        assertThat(w.data()).containsEntry("version", 1);
        Http.Res r = http.get("/v1/secret/data/app/config");
        assertThat(r.status()).isEqualTo(200);
        assertThat((Map<String, Object>) r.data().get("data")).containsEntry("api_key", "k1");
        assertThat(r.json()).containsEntry("mount_type", "kv");
    }

    @Test
    void rotateAndKeyStatus() {
        int before = ((Number) http.get("/v1/sys/key-status").data().get("term")).intValue();
        assertThat(http.put("/v1/sys/rotate", "").status()).isEqualTo(204);
        assertThat(((Number) http.get("/v1/sys/key-status").data().get("term")).intValue()).isEqualTo(before + 1);
    }

    @Test
    void curlStyleFormContentTypeWithJsonBodyIsParsedAsJson() {
        assertThat(http.send("POST", "/v1/kv/curl", "{\"k\":\"v\"}", "Content-Type", "application/x-www-form-urlencoded").status()).isEqualTo(204);
        assertThat(http.get("/v1/kv/curl").data()).containsEntry("k", "v");
    }

    @Test
    void readQueryParametersDoNotBreakReads() {
        http.post("/v1/kv/q", "{\"k\":\"v\"}");
        assertThat(http.get("/v1/kv/q?version=1").status()).isEqualTo(200);
    }

    @Test
    void unexpectedExceptionIs500InternalErrorWithoutDetail() {
        String canary = "canary-" + UUID.randomUUID();
        server.core().system().register("test-boom", req -> {
            throw new IllegalStateException("detail that must stay in the log: " + canary);
        });
        Http.Res r = http.get("/v1/sys/test-boom");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.json()).isEqualTo(Map.of("errors", List.of("internal error")));
        assertThat(r.body()).doesNotContain(canary).doesNotContain("IllegalStateException");
        assertThat(http.get("/v1/sys/health").status()).isEqualTo(200); // the server carries on
    }

    @Test
    void unknownSysPathIs404() {
        assertThat(http.get("/v1/sys/no-such-endpoint").status()).isEqualTo(404);
    }

    @Test
    void keepAliveConnectionServesManyRequestsInOrder() {
        for (int i = 0; i < 20; i++) assertThat(http.post("/v1/kv/ka/" + i, "{\"i\":" + i + "}").status()).isEqualTo(204);
        for (int i = 0; i < 20; i++) assertThat(http.get("/v1/kv/ka/" + i).data()).containsEntry("i", i);
    }
}
