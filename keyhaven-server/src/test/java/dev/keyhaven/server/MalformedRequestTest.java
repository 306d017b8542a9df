package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Malformed input gets a 4xx with a message, never a 500, and writes nothing. */
class MalformedRequestTest {
    static Path dir;
    static KeyhavenServer server;
    static String token;
    static Http http;
    static int port;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path tmp) {
        dir = tmp;
        token = "test-" + UUID.randomUUID();
        TestServers.writeConfig(dir, "");
        server = TestServers.dev(dir, token);
        http = new Http(server.url()).token(token);
        port = server.addresses().get(0).getPort();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    void assertNothingWritten() {
        Http.Res r = http.list("/v1/kv/");
        assertThat(r.status()).isEqualTo(404);
    }

    static void assertErrorBody(Http.Res r) {
        assertThat(r.json()).containsKey("errors");
        assertThat((List<?>) r.json().get("errors")).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"a\":1,\"a\":2}", "[1,2]", "\"str\"", "{\"a\":1} trailing", "{'a':1}", "nul"})
    void badJsonIs400WithAMessage(String body) {
        Http.Res r = http.post("/v1/kv/bad", body);
        assertThat(r.status()).isEqualTo(400);
        assertErrorBody(r);
        assertThat(r.body()).startsWith("{\"errors\":[\"failed to parse JSON input");
        assertNothingWritten();
    }

    @Test
    void badJsonErrorDoesNotEchoTheBody() {
        String canary = "canary-" + UUID.randomUUID();
        Http.Res r = http.post("/v1/kv/bad", "{\"password\":\"" + canary + "\",");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).doesNotContain(canary);
    }

    @Test
    void wrongContentTypeIs415() {
        Http.Res r = http.send("POST", "/v1/kv/x", "<a/>", "Content-Type", "application/xml");
        assertThat(r.status()).isEqualTo(415);
        assertErrorBody(r);
        Http.Res patch = http.send("PATCH", "/v1/kv/x", "{\"a\":1}", "Content-Type", "application/json");
        assertThat(patch.status()).isEqualTo(415);
        assertThat(patch.body()).contains("merge-patch");
        assertNothingWritten();
    }

    @Test
    void oversizedBodyIs413WithJson() {
        // A 33 MiB body announced by Content-Length: the server answers 413 as soon as it sees the header, before the
        // body. (Sending all 33 MiB first races the server's close and fails with a broken pipe on a loaded machine; sending
        // part of it makes the server's close a reset that can swallow the answer.)
        String resp = Http.raw("127.0.0.1", port, "PUT /v1/kv/huge HTTP/1.1\r\nHost: x\r\nX-Vault-Token: " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + (33 * 1024 * 1024) + "\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 413").contains("request body too large");
        assertNothingWritten();
    }

    @Test
    void oversizedBodyAnnouncedWithExpectContinueIs413WithJson() {
        String resp = Http.raw("127.0.0.1", port, "PUT /v1/kv/huge HTTP/1.1\r\nHost: x\r\nX-Vault-Token: " + token
                + "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 40000000\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 413").contains("{\"errors\":[\"request body too large");
        assertNothingWritten();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/kv/../sys/seal", "/v1/kv/a/../b", "/v1/kv//x", "/v1//secret/x", "/v1/kv/%2e%2e/x",
            "/v1/kv/a%00b", "/v1/kv/a%0ab", "/v1/kv/a%1fb", "/v1/kv/%ff", "/v1/kv/%zz", "/v1/kv/./x", "/v1/kv/a%2f%2fb"})
    void hostilePathsAre400AndWriteNothing(String path) {
        String resp = Http.raw("127.0.0.1", port, "PUT " + path + " HTTP/1.1\r\nHost: x\r\nX-Vault-Token: " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"a\":1}");
        int status = Integer.parseInt(resp.split(" ", 3)[1]);
        assertThat(status).as(path).isEqualTo(400);
        assertThat(resp).contains("{\"errors\":[\"invalid request path");
        assertNothingWritten();
        assertThat(server.core().isSealed()).isFalse();
    }

    @Test
    void rawControlCharactersInTheRequestLineAreRejected() {
        String resp = Http.raw("127.0.0.1", port, "GET /v1/kv/a\u0001b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        int status = Integer.parseInt(resp.split(" ", 3)[1]);
        assertThat(status).isBetween(400, 499);
    }

    @Test
    void garbageHttpIs400() {
        String resp = Http.raw("127.0.0.1", port, "THIS IS NOT HTTP\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 4");
    }

    @Test
    void unsupportedMethodIs405() {
        Http.Res r = http.send("TRACE", "/v1/kv/x", null);
        assertThat(r.status()).isEqualTo(405);
    }

    @Test
    void pathsOutsideV1Are404() {
        assertThat(http.get("/ui/").status()).isEqualTo(404);
        assertThat(http.get("/v1").status()).isEqualTo(404);
    }

    @Test
    void emptyBodyWriteIs400NotA500() {
        Http.Res r = http.post("/v1/kv/empty", "");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("missing data fields");
        assertNothingWritten();
    }

    @Test
    void wrongTypesInSysBodiesAre400() {
        assertThat(http.post("/v1/sys/mounts/x", "{\"type\":5}").status()).isEqualTo(400);
        assertThat(http.post("/v1/sys/mounts/x", "{\"type\":\"kv\",\"options\":\"v2\"}").status()).isEqualTo(400);
        assertThat(http.put("/v1/sys/unseal", "{\"key\":12}").status()).isEqualTo(400);
        assertThat(http.put("/v1/sys/unseal", "{\"reset\":\"yes\"}").status()).isEqualTo(400);
        assertThat(http.put("/v1/sys/init", "{\"secret_shares\":\"many\"}").status()).isEqualTo(400);
    }
}
