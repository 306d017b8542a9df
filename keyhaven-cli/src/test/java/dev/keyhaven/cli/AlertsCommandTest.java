package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.util.Json;
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
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** keyhaven alerts against a real dev server over loopback. */
class AlertsCommandTest {
    @TempDir Path dir;
    private KeyhavenServer server;
    private final String root = "cli-root-" + UUID.randomUUID();

    record Run(int code, String out, String err) {}

    @AfterEach
    void stop() {
        if (server != null) server.close();
        ClientOptions.env = System.getenv();
    }

    private void start() {
        server = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(root), Optional.of("127.0.0.1:0"), Optional.of(dir.resolve("data"))),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
    }

    private Run run(String... args) {
        ClientOptions.env = Map.of("KEYHAVEN_ADDR", server.url(), "KEYHAVEN_TOKEN", root);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A use of a token nobody issued, 50 times: one brute-force alert from 127.0.0.1. */
    private void bruteForce() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 50; i++) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(server.url() + "/v1/secret/data/x")).header("X-Vault-Token", "hvs." + UUID.randomUUID()).build();
            assertThat(http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void listShowAndAcknowledge() throws Exception {
        start();
        Run empty = run("alerts");
        assertThat(empty.code()).as(empty.err()).isZero();
        assertThat(empty.out().strip()).isEqualTo("No alerts.");
        assertThat(run("alerts", "-format=json").out()).contains("\"keys\" : [ ]");

        bruteForce();
        Run list = run("alerts", "list", "-since=1h");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).startsWith("ID").contains("brute_force").contains("high").contains("source 127.0.0.1").contains("no");
        Matcher m = Pattern.compile("\\d{8}T\\d{6}\\.\\d{3}Z-[0-9a-f]{8}").matcher(list.out());
        assertThat(m.find()).isTrue();
        String id = m.group();

        Run get = run("alerts", "get", id);
        assertThat(get.code()).isZero();
        assertThat(get.out()).contains("rule").contains("brute_force").contains("50 failed authentications from 127.0.0.1");

        Run ack = run("alerts", "ack", id);
        assertThat(ack.code()).as(ack.err()).isZero();
        assertThat(ack.out()).contains("Success! Acknowledged alert " + id);
        Run json = run("alerts", "-format=json", "-unacknowledged");
        assertThat(json.code()).isZero();
        assertThat(Json.parseObject(json.out().getBytes(StandardCharsets.UTF_8))).containsEntry("keys", List.of());
        assertThat(run("alerts", "list").out()).contains("yes");
    }

    @Test
    void usageErrorsExit2AndApiErrorsExit1() {
        start();
        Run badSince = run("alerts", "-since=soon");
        assertThat(badSince.code()).isEqualTo(2);
        assertThat(badSince.err()).contains("invalid -since value \"soon\"");
        assertThat(run("alerts", "ack", "../../sys/seal").code()).isEqualTo(2);
        Run missing = run("alerts", "get", "20300101T000000.000Z-00000000");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("Code: 404");
    }
}
