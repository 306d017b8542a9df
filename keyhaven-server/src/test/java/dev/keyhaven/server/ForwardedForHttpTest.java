package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code x_forwarded_for_*} over real HTTP: a server with three listeners (strict: only 127.0.0.1 may forward and the
 * header is required; a load balancer at another address, so the header of a client from 127.0.0.1 is ignored; one
 * hop to skip, header optional), checked through the audit log's {@code remote_address} and a token bound to CIDR
 * blocks.
 */
class ForwardedForHttpTest {
    @TempDir
    static Path dir;
    static KeyhavenServer server;
    static String root;
    static int strict; // only 127.0.0.1 may forward; header required
    static int elsewhere; // the load balancer is 10.9.9.9: our header is ignored (and optional)
    static int skipOne; // one hop to skip, header optional

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.withConfig(dir, "storage \"sqlite\" { path = \"%DIR%/k.db\" }\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n  x_forwarded_for_authorized_addrs = \"127.0.0.1/32\"\n}\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n  x_forwarded_for_authorized_addrs = \"10.9.9.9\"\n"
                + "  x_forwarded_for_reject_not_authorized = false\n  x_forwarded_for_reject_not_present = false\n}\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n  x_forwarded_for_authorized_addrs = \"127.0.0.0/8\"\n"
                + "  x_forwarded_for_hop_skips = \"1\"\n  x_forwarded_for_reject_not_present = false\n}\n");
        strict = server.addresses().get(0).getPort();
        elsewhere = server.addresses().get(1).getPort();
        skipOne = server.addresses().get(2).getPort();
        Res init = send(elsewhere, "PUT", "/v1/sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        assertThat(init.status).as(init.body).isEqualTo(200);
        Map<String, Object> keys = Json.parseObject(init.body.getBytes(StandardCharsets.UTF_8));
        root = (String) keys.get("root_token");
        String key = (String) ((List<?>) keys.get("keys")).get(0);
        assertThat(send(elsewhere, "PUT", "/v1/sys/unseal", null, "{\"key\":\"" + key + "\"}").status).isEqualTo(200);
        assertThat(send(elsewhere, "POST", "/v1/sys/mounts/secret", root, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}").status).isEqualTo(204);
        assertThat(send(elsewhere, "PUT", "/v1/sys/audit/file", root, "{\"type\":\"file\",\"options\":{\"file_path\":\"" + dir.resolve("audit.log") + "\"}}")
                .status).isEqualTo(204);
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
    }

    record Res(int status, String body) {}

    /** One HTTP/1.1 exchange over a fresh connection from 127.0.0.1, with the given X-Forwarded-For lines. */
    static Res send(int port, String method, String path, String token, String body, String... forwardedFor) throws Exception {
        try (Socket sock = new Socket("127.0.0.1", port)) {
            sock.setSoTimeout(20_000);
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
            if (token != null) head.append("X-Vault-Token: ").append(token).append("\r\n");
            for (String f : forwardedFor) head.append("X-Forwarded-For: ").append(f).append("\r\n");
            head.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n\r\n");
            OutputStream out = sock.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try (InputStream in = sock.getInputStream()) {
                in.transferTo(all);
            }
            String text = all.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            return new Res(Integer.parseInt(text.substring(9, 12)), split < 0 ? "" : text.substring(split + 4));
        }
    }

    /** The remote_address of the audit log's request entries for {@code path}, in order. */
    static List<String> auditedFrom(String path) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("audit.log"))) {
            Map<String, Object> e = Json.parseObject(line.getBytes(StandardCharsets.UTF_8));
            if (!"request".equals(e.get("type"))) continue;
            Map<?, ?> req = (Map<?, ?>) e.get("request");
            if (path.equals(req.get("path"))) out.add(String.valueOf(req.get("remote_address")));
        }
        return out;
    }

    @Test
    void theAuditLogRecordsTheForwardedClient() throws Exception {
        assertThat(send(strict, "POST", "/v1/secret/data/xff/a", root, "{\"data\":{\"k\":\"v\"}}", "198.51.100.20, 203.0.113.9").status).isEqualTo(200);
        assertThat(send(elsewhere, "GET", "/v1/secret/data/xff/a", root, null, "203.0.113.9").status).isEqualTo(200);
        assertThat(send(skipOne, "GET", "/v1/secret/data/xff/a", root, null, "192.0.2.33", "10.0.0.7").status).isEqualTo(200);
        assertThat(send(skipOne, "GET", "/v1/secret/data/xff/a", root, null).status).isEqualTo(200);
        // strict: the forwarded client; elsewhere: header ignored (peer not the load balancer); skipOne: one hop
        // before the last, and the peer when there is no header
        assertThat(auditedFrom("secret/data/xff/a")).containsExactly("203.0.113.9", "127.0.0.1", "192.0.2.33", "127.0.0.1");
    }

    @Test
    void refusedRequestsGetVaultsErrorsAndDoNothing() throws Exception {
        Res missing = send(strict, "POST", "/v1/secret/data/xff/refused", root, "{\"data\":{\"k\":\"v\"}}");
        assertThat(missing.status).isEqualTo(400);
        assertThat(missing.body).contains("missing x-forwarded-for header and configured to reject when not present");
        Res tooShort = send(skipOne, "POST", "/v1/secret/data/xff/refused", root, "{\"data\":{\"k\":\"v\"}}", "203.0.113.9");
        assertThat(tooShort.status).isEqualTo(400);
        assertThat(tooShort.body).contains("hops to skip (1) would skip before earliest chain link (chain length 1)");
        Res notAnAddress = send(strict, "POST", "/v1/secret/data/xff/refused", root, "{\"data\":{\"k\":\"v\"}}", "unknown");
        assertThat(notAnAddress.status).isEqualTo(400);
        // nothing was written, nothing was audited
        assertThat(send(elsewhere, "GET", "/v1/secret/data/xff/refused", root, null).status).isEqualTo(404);
        assertThat(auditedFrom("secret/data/xff/refused")).containsExactly("127.0.0.1");
    }

    @Test
    void aTokenBoundToCidrBlocksIsCheckedAgainstTheForwardedClient() throws Exception {
        assertThat(send(elsewhere, "POST", "/v1/auth/token/roles/edge", root, "{\"allowed_policies\":[\"default\"],\"token_bound_cidrs\":[\"203.0.113.0/24\"]}")
                .status).isBetween(200, 204);
        Res created = send(elsewhere, "POST", "/v1/auth/token/create/edge", root, "{\"policies\":[\"default\"]}");
        assertThat(created.status).as(created.body).isEqualTo(200);
        String token = (String) ((Map<?, ?>) Json.parseObject(created.body.getBytes(StandardCharsets.UTF_8)).get("auth")).get("client_token");
        assertThat(send(strict, "GET", "/v1/auth/token/lookup-self", token, null, "203.0.113.77").status).isEqualTo(200);
        assertThat(send(strict, "GET", "/v1/auth/token/lookup-self", token, null, "203.0.113.77, 198.51.100.1").status).isEqualTo(403);
        // the same client straight from 127.0.0.1 on a listener that does not trust the header
        assertThat(send(elsewhere, "GET", "/v1/auth/token/lookup-self", token, null, "203.0.113.77").status).isEqualTo(403);
    }
}
