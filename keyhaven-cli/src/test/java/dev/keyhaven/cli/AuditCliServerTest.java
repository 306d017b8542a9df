package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** keyhaven audit query / verify against a real in-process server over loopback HTTP. */
class AuditCliServerTest {
    @TempDir
    Path dir;
    KeyhavenServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    int run(StringWriter out, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        return cl.execute(args);
    }

    int http(String method, String path, String json, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + "/v1/" + path)).header("X-Vault-Token", token)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void queryShowsWhoReadWhatAndVerifyChecksTheFileWithTheServersKeyAndHead() throws Exception {
        String root = "root-" + UUID.randomUUID();
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(root), Optional.of("127.0.0.1:0"), Optional.of(dir.resolve("data"))),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        Path log = dir.resolve("audit.log");
        assertThat(http("PUT", "sys/audit/store", "{\"type\":\"store\"}", root)).isEqualTo(204);
        assertThat(http("PUT", "sys/audit/file", "{\"type\":\"file\",\"options\":{\"file_path\":\"" + log + "\"}}", root)).isEqualTo(204);
        http("POST", "secret/data/app/db", "{\"data\":{\"password\":\"p\"}}", root);
        http("GET", "secret/data/app/db", null, root);
        http("GET", "secret/data/other", null, root);

        StringWriter q = new StringWriter();
        assertThat(run(q, "audit", "query", "--address", server.url(), "--token", root, "--path", "secret/data/app/*", "--since", "1h",
                "--operation", "read")).isZero();
        assertThat(q.toString()).contains("secret/data/app/db").contains("root").doesNotContain("secret/data/other").contains("1 entry");

        Path pem = dir.resolve("pub.pem");
        StringWriter k = new StringWriter();
        HttpResponse<String> pub = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/sys/audit-pubkey"))
                .header("X-Vault-Token", root).build(), HttpResponse.BodyHandlers.ofString());
        Files.writeString(pem, (String) ((java.util.Map<?, ?>) dev.keyhaven.core.util.Json.parseObject(pub.body().getBytes(StandardCharsets.UTF_8)).get("data")).get("public_key"));
        assertThat(run(k, "audit", "verify", log.toString(), "--pubkey", pem.toString())).as(k.toString()).isZero();
        assertThat(k.toString()).contains("chain intact");
    }
}
