package dev.keyhaven.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token issued under {@code token_bound_cidrs} can only be used from those blocks, over real HTTP: requests come
 * from two loopback addresses (127.0.0.1 and, through a socket bound to it, 127.0.0.2), and one from outside the
 * token's blocks is refused with 403 {@code permission denied}, as Vault's CheckToken does.
 */
class TokenBoundCidrsTest {
    @TempDir
    static Path dir;
    static AuthServer s;
    static int port;

    @BeforeAll
    static void start() {
        s = new AuthServer(dir, "root-" + UUID.randomUUID());
        port = URI.create(s.url).getPort();
        s.enable("approle", "approle");
        assertThat(s.rootPost("/v1/auth/approle/role/pinned", Map.of("token_policies", "default", "token_bound_cidrs", List.of("127.0.0.0/30")))
                .status()).isBetween(200, 204);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** One HTTP/1.1 exchange from {@code source} (a loopback address of this machine); returns status and body. */
    static AuthServer.Res from(String source, String method, String path, String token, String body) throws Exception {
        try (Socket sock = new Socket()) {
            sock.bind(new InetSocketAddress(source, 0));
            sock.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            sock.setSoTimeout(10_000);
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + (token == null ? "" : "X-Vault-Token: " + token + "\r\n") + "Content-Length: " + b.length + "\r\n\r\n";
            OutputStream out = sock.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
            InputStream in = sock.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int status = Integer.parseInt(text.substring(9, 12));
            int split = text.indexOf("\r\n\r\n");
            return new AuthServer.Res(status, split < 0 ? "" : text.substring(split + 4));
        }
    }

    static String login(String source, String secretIdBody) throws Exception {
        String roleId = (String) s.send("GET", "/v1/auth/approle/role/pinned/role-id", s.root, null).data().get("role_id");
        String secretId = (String) s.rootPost("/v1/auth/approle/role/pinned/secret-id", Json.parseObject(secretIdBody.getBytes(StandardCharsets.UTF_8)))
                .data().get("secret_id");
        AuthServer.Res r = from(source, "POST", "/v1/auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return (String) r.auth().get("client_token");
    }

    @Test
    void aTokenBoundToTheRolesBlocksWorksInsideThemOnly() throws Exception {
        String token = login("127.0.0.1", "{}");
        AuthServer.Res inside = from("127.0.0.2", "GET", "/v1/auth/token/lookup-self", token, null);
        assertThat(inside.status()).isEqualTo(200);
        assertThat(inside.data()).containsEntry("bound_cidrs", List.of("127.0.0.0/30")).containsEntry("path", "auth/approle/login");

        AuthServer.Res outside = from("127.0.0.5", "GET", "/v1/auth/token/lookup-self", token, null);
        assertThat(outside.status()).isEqualTo(403);
        assertThat(outside.json()).isEqualTo(Map.of("errors", List.of("permission denied")));
        assertThat(outside.body()).doesNotContain(token);
        // nor can it renew or revoke itself from there; inside, it still can
        assertThat(from("127.0.0.5", "POST", "/v1/auth/token/renew-self", token, "{}").status()).isEqualTo(403);
        assertThat(from("127.0.0.5", "POST", "/v1/auth/token/revoke-self", token, "{}").status()).isEqualTo(403);
        assertThat(from("127.0.0.1", "POST", "/v1/auth/token/revoke-self", token, "{}").status()).isEqualTo(204);
    }

    @Test
    void aSecretIdsOwnTokenBlocksNarrowTheToken() throws Exception {
        String token = login("127.0.0.2", "{\"token_bound_cidrs\":[\"127.0.0.2/32\"]}");
        assertThat(from("127.0.0.2", "GET", "/v1/auth/token/lookup-self", token, null).status()).isEqualTo(200);
        assertThat(from("127.0.0.1", "GET", "/v1/auth/token/lookup-self", token, null).status()).isEqualTo(403);
        // the operator's own token is not bound: it can look the pinned token up, and sees its blocks
        AuthServer.Res looked = s.send("POST", "/v1/auth/token/lookup", s.root, "{\"token\":\"" + token + "\"}", "Content-Type", "application/json");
        assertThat(looked.data()).containsEntry("bound_cidrs", List.of("127.0.0.2/32"));
    }

    @Test
    void aLoginFromOutsideTheTokenBlocksGetsNoToken() throws Exception {
        String roleId = (String) s.send("GET", "/v1/auth/approle/role/pinned/role-id", s.root, null).data().get("role_id");
        String secretId = (String) s.rootPost("/v1/auth/approle/role/pinned/secret-id", Map.of()).data().get("secret_id");
        AuthServer.Res r = from("127.0.0.9", "POST", "/v1/auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).doesNotContain("client_token");
    }

    @Test
    void tokenRolesBindTheTokensTheyCreate() throws Exception {
        AuthServer.Res bad = s.rootPost("/v1/auth/token/roles/pinned-role", Map.of("token_bound_cidrs", "127.0.0.2/33"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json()).isEqualTo(Map.of("errors", List.of("invalid CIDR block in 'token_bound_cidrs': 127.0.0.2/33")));
        assertThat(s.send("GET", "/v1/auth/token/roles/pinned-role", s.root, null).status()).isEqualTo(404); // nothing written

        assertThat(s.rootPost("/v1/auth/token/roles/pinned-role", Map.of("allowed_policies", "default", "token_bound_cidrs", "127.0.0.2/32")).status())
                .isEqualTo(204);
        assertThat(s.send("GET", "/v1/auth/token/roles/pinned-role", s.root, null).data()).containsEntry("token_bound_cidrs", List.of("127.0.0.2/32"));
        String token = (String) s.rootPost("/v1/auth/token/create/pinned-role", Map.of()).auth().get("client_token");
        assertThat(from("127.0.0.2", "GET", "/v1/auth/token/lookup-self", token, null).status()).isEqualTo(200);
        assertThat(from("127.0.0.1", "GET", "/v1/auth/token/lookup-self", token, null).status()).isEqualTo(403);
    }
}
