package dev.keyhaven.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.core.audit.AuditAuth;
import dev.keyhaven.core.audit.AuditBroker;
import dev.keyhaven.core.audit.AuditEngine;
import dev.keyhaven.core.audit.AuditEvent;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.util.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AuditCommandTest {
    @TempDir
    Path dir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    HttpServer http;
    AuditBroker broker;

    int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @AfterEach
    void stop() {
        if (http != null) http.stop(0);
        if (broker != null) broker.close();
    }

    static final class ManualClock extends Clock {
        volatile Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    Path writeLog(AuditBroker b, int calls) {
        Path log = dir.resolve("audit.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "checkpoint_interval", "10"), false);
        for (int i = 0; i < calls; i++) {
            Request r = Request.builder(Operation.READ, "secret/data/app/k" + i).remoteAddress("192.0.2.7:5555").build();
            AuditEvent ev = new AuditEvent(r, new AuditAuth("t", "acc-" + (i % 2), "ci", List.of("default"), Map.of(), "", "service"), b.clock().instant());
            b.logRequest(ev);
            b.logResponse(ev, Response.of(Map.of("v", "x")));
        }
        return log;
    }

    @Test
    void verifyReportsOkOrTheFirstBrokenEntryWithExitCodes() throws Exception {
        broker = new AuditBroker(new MemoryStorage(), Clock.systemUTC());
        Path log = writeLog(broker, 20);
        Path pem = dir.resolve("audit.pem");
        Files.writeString(pem, broker.publicKeyPem());
        String headSeq = broker.signedHead("file").get("seq") + ":" + broker.signedHead("file").get("hash");

        assertThat(run("audit", "verify", log.toString(), "--pubkey", pem.toString(), "--expect-head", headSeq)).isZero();
        assertThat(out.toString()).contains("ok: 44 entries, chain intact; 4 checkpoint signatures verified");

        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        lines.remove(4);
        Files.write(log, lines);
        assertThat(run("audit", "verify", log.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("line 5: sequence 5 expected, found 6 (entry 5 removed)");

        assertThat(run("audit", "verify", dir.resolve("missing.log").toString())).isEqualTo(2);
        assertThat(run("audit", "verify", log.toString(), "--expect-head", "zz")).isEqualTo(2);
        assertThat(run("audit", "verify", log.toString(), "--pubkey", log.toString())).isEqualTo(2);
    }

    @Test
    void pruneOfAFileWritesABackupThatVerifiesWithTheRest() throws Exception {
        ManualClock clock = new ManualClock(Instant.now().minus(Duration.ofDays(100)));
        broker = new AuditBroker(new MemoryStorage(), clock);
        Path log = writeLog(broker, 10);
        clock.now = Instant.now();
        writeLog2(broker, 5);
        broker.close();
        Path backups = dir.resolve("backups");
        assertThat(run("audit", "prune", "--older-than", "90d", "--backup", backups.toString(), "--file", log.toString())).isZero();
        assertThat(out.toString()).contains("pruned entries 1..");
        Path backup;
        try (var s = Files.list(backups)) {
            backup = s.filter(p -> p.toString().endsWith(".gz")).findFirst().orElseThrow();
        }
        assertThat(run("audit", "verify", backup.toString(), log.toString())).isZero();
        assertThat(out.toString()).contains("backup checksum ok").contains("chain intact");
        assertThat(run("audit", "prune", "--older-than", "ninety", "--backup", backups.toString(), "--file", log.toString())).isEqualTo(2);
    }

    private void writeLog2(AuditBroker b, int calls) {
        for (int i = 0; i < calls; i++) {
            Request r = Request.builder(Operation.READ, "secret/data/new/k" + i).build();
            AuditEvent ev = new AuditEvent(r, AuditAuth.NONE, b.clock().instant());
            b.logRequest(ev);
            b.logResponse(ev, Response.empty());
        }
    }

    /** A minimal loopback HTTP front for the audit engine (the real server's edge replaces it once merged). */
    String serve(AuditBroker b, String token) throws Exception {
        AuditEngine engine = new AuditEngine(b);
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/v1/sys/", ex -> {
            byte[] body;
            int status;
            try {
                if (!token.equals(ex.getRequestHeaders().getFirst("X-Vault-Token"))) throw KeyhavenException.permissionDenied();
                String path = ex.getRequestURI().getPath().substring("/v1/".length());
                Map<String, Object> data = new LinkedHashMap<>(Json.parseObject(ex.getRequestBody().readAllBytes()));
                String q = ex.getRequestURI().getRawQuery();
                if (q != null) {
                    for (String kv : q.split("&")) {
                        String[] p = kv.split("=", 2);
                        data.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
                    }
                }
                Operation op = switch (ex.getRequestMethod()) {
                    case "GET" -> Operation.READ;
                    case "DELETE" -> Operation.DELETE;
                    default -> Operation.UPDATE;
                };
                Request r = Request.builder(op, path).data(data).build();
                r.setMount("sys/", "system", "system_test", path.substring(4));
                Response resp = engine.handle(r);
                status = resp.status();
                body = resp.isRaw() ? Json.write(resp.raw()) : status == 204 ? new byte[0] : Json.write(Map.of("data", resp.data()));
            } catch (KeyhavenException e) {
                status = e.code().httpStatus();
                body = Json.write(Map.of("errors", e.errors()));
            }
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    @Test
    void queryAndStorePruneGoThroughTheServerApi() throws Exception {
        ManualClock clock = new ManualClock(Instant.now().minus(Duration.ofDays(100)));
        broker = new AuditBroker(new MemoryStorage(), clock);
        broker.enable("store", "store", "", Map.of("checkpoint_interval", "7"), false);
        writeLog(broker, 10);
        clock.now = Instant.now().minus(Duration.ofMinutes(30));
        writeLog2(broker, 3);
        clock.now = Instant.now();
        String token = "test-" + UUID.randomUUID();
        String addr = serve(broker, token);

        assertThat(run("audit", "query", "--address", addr, "--token", token, "--path", "secret/data/new/*", "--since", "1h")).isZero();
        assertThat(out.toString()).contains("TIME").contains("secret/data/new/k0").contains("secret/data/new/k2").doesNotContain("secret/data/app/")
                .contains("3 entries");
        out.getBuffer().setLength(0);
        assertThat(run("audit", "query", "--address", addr, "--token", token, "--accessor", "acc-1", "--operation", "read", "--format", "json")).isZero();
        List<?> rows = Json.MAPPER.readValue(out.toString(), List.class);
        assertThat(rows).hasSize(5);
        assertThat(run("audit", "query", "--address", addr, "--token", "wrong")).isEqualTo(1);
        assertThat(err.toString()).contains("Code: 403").contains("permission denied");

        Path backups = dir.resolve("b");
        out.getBuffer().setLength(0);
        assertThat(run("audit", "prune", "--older-than", "90d", "--backup", backups.toString(), "--address", addr, "--token", token)).isZero();
        assertThat(out.toString()).contains("pruned entries 1..");
        assertThat(broker.verifyStore("store").ok()).isTrue();
        assertThat(broker.verifyStore("store").firstSeq()).isGreaterThan(1);
        Path backup;
        try (var s = Files.list(backups)) {
            backup = s.filter(p -> p.toString().endsWith(".gz")).findFirst().orElseThrow();
        }
        assertThat(run("audit", "verify", backup.toString())).isZero();
        out.getBuffer().setLength(0);
        assertThat(run("audit", "prune", "--older-than", "90d", "--backup", backups.toString(), "--address", addr, "--token", token)).isZero();
        assertThat(out.toString()).contains("nothing to prune");
    }
}
