package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Init 5/3, unseal with wrong and repeated shares, restart, unseal, read old data — all over HTTP. */
class SealFlowHttpTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void initUnsealRestartAndReadBack() {
        KeyhavenServer server = TestServers.withConfig(dir, TestServers.plainConfig());
        Http anon = new Http(server.url());
        List<String> keys;
        String root;
        try {
            assertThat(anon.get("/v1/sys/health").status()).isEqualTo(501);
            assertThat(anon.get("/v1/sys/init").json()).containsEntry("initialized", false);
            assertThat(anon.put("/v1/sys/init", "{\"secret_shares\":5,\"secret_threshold\":6}").status()).isEqualTo(400);
            Http.Res init = anon.put("/v1/sys/init", "{\"secret_shares\":5,\"secret_threshold\":3}");
            assertThat(init.status()).isEqualTo(200);
            keys = (List<String>) init.json().get("keys");
            List<String> b64 = (List<String>) init.json().get("keys_base64");
            root = (String) init.json().get("root_token");
            assertThat(keys).hasSize(5);
            assertThat(b64).hasSize(5);
            for (int i = 0; i < 5; i++) assertThat(Base64.getDecoder().decode(b64.get(i))).isEqualTo(HexFormat.of().parseHex(keys.get(i)));
            assertThat(anon.put("/v1/sys/init", "{\"secret_shares\":1,\"secret_threshold\":1}").status()).isEqualTo(400);

            // sealed: everything but the exempt endpoints is 503 with Vault's body shape
            Http authed = new Http(server.url()).token(root);
            Http.Res sealed = authed.get("/v1/sys/mounts");
            assertThat(sealed.status()).isEqualTo(503);
            assertThat(sealed.json()).isEqualTo(Map.of("errors", List.of("Keyhaven is sealed")));
            assertThat(anon.get("/v1/sys/health").status()).isEqualTo(503);
            assertThat(anon.get("/v1/sys/seal-status").json()).containsEntry("sealed", true).containsEntry("t", 3).containsEntry("n", 5);

            unseal(anon, keys.get(0), 200, 1);
            unseal(anon, keys.get(0), 400, 1); // repeated
            unseal(anon, "zz-not-a-key", 400, 1); // malformed
            unseal(anon, "abcd", 400, 1); // wrong length
            Http.Res status = unseal(anon, keys.get(3), 200, 2);
            assertThat(status.json()).containsEntry("sealed", true);
            assertThat((String) status.json().get("nonce")).isNotEmpty();
            // a wrong share of the right shape is only detectable at the threshold: 400, progress reset
            byte[] forged = HexFormat.of().parseHex(keys.get(4));
            forged[0] ^= 0x5a;
            Http.Res bad = anon.put("/v1/sys/unseal", "{\"key\":\"" + HexFormat.of().formatHex(forged) + "\"}");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("do not reconstruct the root key");
            assertThat(anon.get("/v1/sys/seal-status").json()).containsEntry("sealed", true).containsEntry("progress", 0);
            // reset works
            unseal(anon, keys.get(1), 200, 1);
            assertThat(anon.put("/v1/sys/unseal", "{\"reset\":true}").json()).containsEntry("progress", 0);
            // base64 shares work too
            unsealRaw(anon, b64.get(2));
            unsealRaw(anon, keys.get(4));
            Http.Res done = unsealRaw(anon, keys.get(1));
            assertThat(done.json()).containsEntry("sealed", false).containsEntry("progress", 0);

            assertThat(authed.post("/v1/sys/mounts/kv", "{\"type\":\"kv\"}").status()).isEqualTo(204);
            assertThat(authed.post("/v1/kv/app", "{\"user\":\"alice\"}").status()).isEqualTo(204);
            // sys/seal needs a token, then seals
            assertThat(anon.put("/v1/sys/seal", "").status()).isEqualTo(403);
            assertThat(authed.put("/v1/sys/seal", "").status()).isEqualTo(204);
            assertThat(anon.get("/v1/sys/seal-status").json()).containsEntry("sealed", true);
        } finally {
            server.stop();
        }

        KeyhavenServer again = TestServers.withConfig(dir, TestServers.plainConfig());
        try {
            Http anon2 = new Http(again.url());
            assertThat(anon2.get("/v1/sys/seal-status").json()).containsEntry("sealed", true).containsEntry("initialized", true);
            unsealRaw(anon2, keys.get(2));
            unsealRaw(anon2, keys.get(0));
            unsealRaw(anon2, keys.get(4));
            Http.Res r = new Http(again.url()).token(root).get("/v1/kv/app");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.data()).containsEntry("user", "alice");
        } finally {
            again.stop();
        }
    }

    private static Http.Res unseal(Http anon, String key, int status, int progressAfter) {
        Http.Res r = anon.put("/v1/sys/unseal", "{\"key\":\"" + key + "\"}");
        assertThat(r.status()).as("unseal status for a key").isEqualTo(status);
        if (status >= 400) assertThat((List<?>) r.json().get("errors")).isNotEmpty();
        assertThat(anon.get("/v1/sys/seal-status").json()).containsEntry("progress", progressAfter);
        return r;
    }

    private static Http.Res unsealRaw(Http anon, String key) {
        Http.Res r = anon.put("/v1/sys/unseal", "{\"key\":\"" + key + "\"}");
        assertThat(r.status()).isEqualTo(200);
        return r;
    }
}
