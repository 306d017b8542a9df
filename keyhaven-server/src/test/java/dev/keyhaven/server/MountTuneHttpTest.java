package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sys/mounts/:path/tune and sys/auth/:path/tune over HTTP: read defaults, change, persist across restart, refuse bad input. */
class MountTuneHttpTest {
    @TempDir
    static Path dir;
    static KeyhavenServer server;
    static final String ROOT = "tune-root-" + UUID.randomUUID();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        server = TestServers.dev(dir.resolve("data"), ROOT);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/v1/" + path)).header("X-Vault-Token", ROOT);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> data(HttpResponse<String> r) throws Exception {
        return (Map<String, Object>) JSON.readValue(r.body(), Map.class).get("data");
    }

    @Test
    void tuneReadsSystemDefaultsThenChangesTtlsAndDescription() throws Exception {
        assertThat(call("POST", "sys/mounts/tuned", "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}").statusCode()).isEqualTo(204);
        Map<String, Object> before = data(call("GET", "sys/mounts/tuned/tune", null));
        assertThat(before).containsEntry("default_lease_ttl", 2764800).containsEntry("max_lease_ttl", 2764800);
        assertThat(call("POST", "sys/mounts/tuned/tune", "{\"default_lease_ttl\":\"1h\",\"max_lease_ttl\":7200,\"description\":\"team secrets\"}").statusCode()).isEqualTo(204);
        Map<String, Object> after = data(call("GET", "sys/mounts/tuned/tune", null));
        assertThat(after).containsEntry("default_lease_ttl", 3600).containsEntry("max_lease_ttl", 7200).containsEntry("description", "team secrets");
        Map<String, Object> listed = data(call("GET", "sys/mounts", null));
        assertThat((Map<String, Object>) listed.get("tuned/")).containsEntry("description", "team secrets");
        // the engine keeps working after a tune
        assertThat(call("POST", "tuned/data/x", "{\"data\":{\"a\":\"b\"}}").statusCode()).isEqualTo(200);
    }

    @Test
    void badTuneInputIs400AndChangesNothing() throws Exception {
        call("POST", "sys/mounts/strict", "{\"type\":\"kv\"}");
        assertThat(call("POST", "sys/mounts/strict/tune", "{\"default_lease_ttl\":\"2h\",\"max_lease_ttl\":\"1h\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "sys/mounts/strict/tune", "{\"default_lease_ttl\":\"soon\"}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "sys/mounts/strict/tune", "{\"bogus\":1}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "sys/mounts/strict/tune", "{\"options\":{\"version\":\"2\"}}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "sys/mounts/missing/tune", "{\"description\":\"x\"}").statusCode()).isEqualTo(400);
        assertThat(data(call("GET", "sys/mounts/strict/tune", null))).containsEntry("default_lease_ttl", 2764800);
    }

    @Test
    void authMountsTuneToo() throws Exception {
        assertThat(call("POST", "sys/auth/approle-tune", "{\"type\":\"approle\"}").statusCode()).isEqualTo(204);
        assertThat(call("POST", "sys/auth/approle-tune/tune", "{\"max_lease_ttl\":\"30m\"}").statusCode()).isEqualTo(204);
        assertThat(data(call("GET", "sys/auth/approle-tune/tune", null))).containsEntry("max_lease_ttl", 1800);
    }
}
