package dev.keyhaven.client.vault;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.client.AccessDeniedException;
import dev.keyhaven.client.Canary;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SourceException;
import dev.keyhaven.client.internal.Json;
import dev.keyhaven.client.redact.Redactor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * AppRole, JWT and token-renewal wire format, against a loopback HTTP server that replays the response shapes
 * documented in Vault's API docs (auth/approle, auth/jwt, auth/token). Keyhaven's server does not have these
 * auth endpoints yet (a later issue); KV reads are never replayed here, they are tested against the real server.
 */
class VaultLoginReplayTest {

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private HttpServer server;
    private final List<Map<String, Object>> requests = new CopyOnWriteArrayList<>();
    private final String roleId = Canary.value("role");
    private final String secretId = Canary.value("secret-id");
    private final String issuedToken = "hvs." + Canary.chars(ALNUM, 24);
    private final AtomicLong renewLease = new AtomicLong(1200);
    private final AtomicLong logins = new AtomicLong();
    private final Redactor redactor = Redactor.create();
    private String jwt;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ" + Canary.chars(ALNUM, 20) + "." + Canary.chars(ALNUM, 40);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String path = ex.getRequestURI().getPath();
        String token = ex.getRequestHeaders().getFirst("X-Vault-Token");
        requests.add(Map.of("method", ex.getRequestMethod(), "path", path, "token", token == null ? "" : token,
                "vaultRequest", String.valueOf(ex.getRequestHeaders().getFirst("X-Vault-Request")),
                "body", body.isEmpty() ? Map.of() : Json.parseObject(body)));
        Map<String, Object> req = body.isEmpty() ? Map.of() : Json.parseObject(body);
        switch (path) {
            case "/v1/auth/approle/login" -> {
                if (roleId.equals(req.get("role_id")) && secretId.equals(req.get("secret_id"))) {
                    logins.incrementAndGet();
                    reply(ex, 200, loginResponse(1200));
                } else {
                    reply(ex, 400, Map.of("errors", List.of("invalid role or secret ID")));
                }
            }
            case "/v1/auth/jwt/login", "/v1/auth/kubernetes/login" -> {
                if ("app".equals(req.get("role")) && jwt.equals(req.get("jwt"))) {
                    logins.incrementAndGet();
                    reply(ex, 200, loginResponse(600));
                } else {
                    reply(ex, 400, Map.of("errors", List.of("error validating token: invalid signature")));
                }
            }
            case "/v1/auth/token/renew-self" -> {
                if (!issuedToken.equals(token)) {
                    reply(ex, 403, Map.of("errors", List.of("permission denied")));
                } else {
                    reply(ex, 200, Map.of("auth", Map.of("client_token", issuedToken, "policies", List.of("default"),
                            "lease_duration", renewLease.get(), "renewable", true)));
                }
            }
            case "/v1/auth/token/lookup-self" -> {
                if (!issuedToken.equals(token)) {
                    reply(ex, 403, Map.of("errors", List.of("permission denied")));
                } else {
                    reply(ex, 200, Map.of("data", Map.of("id", issuedToken, "renewable", true, "ttl", 300L,
                            "policies", List.of("default"), "type", "service")));
                }
            }
            default -> reply(ex, 404, Map.of("errors", List.of()));
        }
    }

    /** The documented sample shape of a login answer (auth block in Vault's envelope). */
    private Map<String, Object> loginResponse(long lease) {
        Map<String, Object> auth = new java.util.LinkedHashMap<>();
        auth.put("renewable", true);
        auth.put("lease_duration", lease);
        auth.put("metadata", null);
        auth.put("token_policies", List.of("default"));
        auth.put("accessor", Canary.value("accessor"));
        auth.put("client_token", issuedToken);
        Map<String, Object> env = new java.util.LinkedHashMap<>();
        env.put("request_id", "r");
        env.put("lease_id", "");
        env.put("renewable", false);
        env.put("lease_duration", 0L);
        env.put("data", null);
        env.put("wrap_info", null);
        env.put("warnings", null);
        env.put("auth", auth);
        return env;
    }

    private static void reply(HttpExchange ex, int status, Map<String, Object> json) throws IOException {
        byte[] b = Json.write(json).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private VaultKvSource source(VaultAuth auth) {
        return VaultKvSource.builder().address(address()).auth(auth).path("app").redactor(redactor)
                .environment(Map.of()).build();
    }

    @Test
    void appRoleLoginPostsRoleAndSecretIdAndUsesTheClientToken() {
        try (VaultKvSource src = source(AppRoleLogin.of(roleId, Secret.of(secretId)))) {
            Secret t = src.tokenManager().token();
            assertThat(t.reveal()).isEqualTo(issuedToken);
            Map<String, Object> login = requests.get(0);
            assertThat(login).containsEntry("method", "POST").containsEntry("path", "/v1/auth/approle/login")
                    .containsEntry("token", "").containsEntry("vaultRequest", "true");
            assertThat(login.get("body")).isEqualTo(Map.of("role_id", roleId, "secret_id", secretId));
            assertThat(redactor.redact("token " + issuedToken)).isEqualTo("token ****");
            assertThat(src.tokenManager().scheduledDelaySeconds()).as("renew at 2/3 of 1200s").isEqualTo(800);
        }
    }

    @Test
    void renewalCallsRenewSelfWithTheTokenAndReschedules() {
        try (VaultKvSource src = source(AppRoleLogin.of(roleId, Secret.of(secretId)))) {
            src.tokenManager().token();
            src.tokenManager().tick();
            Map<String, Object> renew = requests.get(requests.size() - 1);
            assertThat(renew).containsEntry("method", "POST").containsEntry("path", "/v1/auth/token/renew-self")
                    .containsEntry("token", issuedToken);
            assertThat(logins.get()).isEqualTo(1);
            assertThat(src.tokenManager().scheduledDelaySeconds()).isEqualTo(800);
        }
    }

    @Test
    void whenMaxTtlCapsRenewalTheNextTickLogsInAgain() {
        try (VaultKvSource src = source(AppRoleLogin.of(roleId, Secret.of(secretId)))) {
            src.tokenManager().token();
            renewLease.set(90);
            src.tokenManager().tick(); // renewal answers a shorter lease: max TTL is near
            assertThat(src.tokenManager().scheduledDelaySeconds()).isEqualTo(60);
            src.tokenManager().tick();
            assertThat(logins.get()).isEqualTo(2);
            assertThat(requests.get(requests.size() - 1)).containsEntry("path", "/v1/auth/approle/login");
        }
    }

    @Test
    void rejectedAppRoleLoginIsAccessDeniedAndNeverShowsTheSecretId() {
        try (VaultKvSource src = source(AppRoleLogin.of(roleId, Secret.of("wrong-" + secretId)))) {
            assertThatThrownBy(() -> src.tokenManager().token())
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("[vault] approle login at auth/approle/login was rejected")
                    .hasMessageContaining("invalid role or secret ID")
                    .hasMessageNotContaining(secretId).hasMessageNotContaining(roleId);
        }
    }

    @Test
    void jwtLoginReadsTheJwtFileAndPostsRoleAndJwt() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, jwt + "\n");
        try (VaultKvSource src = source(JwtLogin.of("app", file))) {
            assertThat(src.tokenManager().token().reveal()).isEqualTo(issuedToken);
            assertThat(requests.get(0).get("body")).isEqualTo(Map.of("role", "app", "jwt", jwt));
            assertThat(src.tokenManager().scheduledDelaySeconds()).isEqualTo(400);
        }
        requests.clear();
        try (VaultKvSource src = source(JwtLogin.of("app", file).atMount("kubernetes"))) {
            src.tokenManager().token();
            assertThat(requests.get(0)).containsEntry("path", "/v1/auth/kubernetes/login");
        }
    }

    @Test
    void rejectedJwtLoginNamesTheMountButNotTheJwt() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, jwt);
        try (VaultKvSource src = source(JwtLogin.of("other-role", file))) {
            assertThatThrownBy(() -> src.tokenManager().token())
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("jwt login at auth/jwt/login was rejected")
                    .hasMessageNotContaining(jwt);
        }
    }

    @Test
    void missingJwtFileIsAClearError() {
        Path missing = dir.resolve("absent");
        try (VaultKvSource src = source(JwtLogin.of("app", missing))) {
            assertThatThrownBy(() -> src.tokenManager().token())
                    .isInstanceOf(SourceException.class)
                    .hasMessageContaining("cannot read the JWT for jwt login at auth/jwt from " + missing);
        }
    }

    @Test
    void staticTokenLearnsItsTtlFromLookupSelfAndIsRenewed() {
        try (VaultKvSource src = source(StaticToken.of(Secret.of(issuedToken)))) {
            src.tokenManager().token();
            assertThat(requests.get(0)).containsEntry("method", "GET").containsEntry("path", "/v1/auth/token/lookup-self")
                    .containsEntry("token", issuedToken);
            assertThat(src.tokenManager().scheduledDelaySeconds()).isEqualTo(200);
            src.tokenManager().tick();
            assertThat(requests.get(requests.size() - 1)).containsEntry("path", "/v1/auth/token/renew-self");
        }
    }

    @Test
    void closeStopsTheRenewalThread() {
        VaultKvSource src = source(AppRoleLogin.of(roleId, Secret.of(secretId)));
        src.tokenManager().token();
        assertThat(src.tokenManager().renewalThreadRunning()).isTrue();
        src.close();
        assertThat(src.tokenManager().renewalThreadRunning()).isFalse();
        assertThatThrownBy(() -> src.tokenManager().token()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTokenDeniedLookupSelfIsUsedAsIsWithoutRenewal() {
        String other = "hvs." + Canary.chars(ALNUM, 24);
        try (VaultKvSource src = source(StaticToken.of(Secret.of(other)))) {
            assertThat(src.tokenManager().token().reveal()).isEqualTo(other);
            assertThat(src.tokenManager().scheduledDelaySeconds()).isEqualTo(-1);
        }
    }

    @Test
    void renewalCanBeTurnedOff() {
        try (VaultKvSource src = VaultKvSource.builder().address(address()).auth(AppRoleLogin.of(roleId, Secret.of(secretId)))
                .path("app").renewToken(false).environment(Map.of()).redactor(redactor).build()) {
            src.tokenManager().token();
            assertThat(src.tokenManager().scheduledDelaySeconds()).isEqualTo(-1);
        }
    }
}
