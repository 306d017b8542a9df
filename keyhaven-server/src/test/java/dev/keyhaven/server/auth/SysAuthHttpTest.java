package dev.keyhaven.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vault auth enable|list|disable} over HTTP: sys/auth. */
class SysAuthHttpTest {
    @TempDir
    static Path dir;
    static AuthServer s;

    @BeforeAll
    static void start() {
        s = new AuthServer(dir, "root-" + UUID.randomUUID());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void enableListReadAndDisableAuthMethods() {
        s.enable("gh-actions", "jwt");
        s.enable("oidc", "oidc");
        s.enable("approle", "approle");
        Map<String, Object> list = s.send("GET", "/v1/sys/auth", s.root, null).data();
        assertThat(list).containsKeys("token/", "gh-actions/", "oidc/", "approle/");
        assertThat(list.get("gh-actions/").toString()).contains("type=jwt").contains("accessor=");
        assertThat(s.send("GET", "/v1/sys/auth/approle", s.root, null).data()).containsEntry("type", "approle");
        assertThat(s.send("GET", "/v1/sys/mounts", s.root, null).data()).doesNotContainKey("auth/approle/");
        // The new mount answers at once.
        assertThat(s.rootPost("/v1/auth/approle/role/app", Map.of("token_policies", "app", "secret_id_ttl", "1h")).status()).isBetween(200, 204);
        assertThat(s.send("DELETE", "/v1/sys/auth/approle", s.root, null).status()).isEqualTo(204);
        assertThat(s.send("GET", "/v1/sys/auth", s.root, null).data()).doesNotContainKey("approle/");
        assertThat(s.send("GET", "/v1/auth/approle/role/app", s.root, null).status()).isEqualTo(404);
        // Re-enabling starts empty: the role went with the mount.
        s.enable("approle", "approle");
        assertThat(s.send("GET", "/v1/auth/approle/role/app", s.root, null).status()).isEqualTo(404);
    }

    @Test
    void unknownTypesDuplicatesAndTokenAreRefusedAndNonRootIsDenied() {
        AuthServer.Res bad = s.rootPost("/v1/sys/auth/x", Map.of("type", "kubernetes"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(((List<?>) bad.json().get("errors")).get(0).toString()).startsWith("plugin not found in the catalog: kubernetes");
        assertThat(s.rootPost("/v1/sys/auth/kv", Map.of("type", "kv")).status()).isEqualTo(400);
        assertThat(s.rootPost("/v1/sys/auth/t2", Map.of("type", "token")).status()).isEqualTo(400);
        s.enable("dup", "jwt");
        assertThat(s.rootPost("/v1/sys/auth/dup", Map.of("type", "jwt")).status()).isEqualTo(400);
        assertThat(s.send("DELETE", "/v1/sys/auth/token", s.root, null).status()).isEqualTo(400);
        assertThat(s.send("POST", "/v1/sys/auth/y", null, "{\"type\":\"jwt\"}").status()).isEqualTo(403);
    }
}
