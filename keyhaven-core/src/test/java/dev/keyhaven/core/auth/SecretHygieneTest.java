package dev.keyhaven.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Canaries: token values, accessors and secret-looking request values never show up where they should not. */
class SecretHygieneTest {
    private final AuthHarness h = new AuthHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static String canary() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return "canary" + HexFormat.of().formatHex(b);
    }

    @Test
    void tokensAndAccessorsAreNeverStoredInClearNorShownInToString() {
        Map<String, Object> a = h.call(h.root, Operation.UPDATE, "auth/token/create", Map.of("policies", List.of("x"))).auth();
        String token = (String) a.get("client_token");
        String accessor = (String) a.get("accessor");
        String stored = AuthTestStorage.everything(h.storage);
        assertThat(stored).doesNotContain(token).doesNotContain(h.root);
        // the accessor lives only inside the (barrier-encrypted in production) entry value, never in a key
        for (String key : AuthTestStorage.dump(h.storage).keySet()) assertThat(key).doesNotContain(accessor);

        TokenEntry e = h.auth.tokenStore().lookup(token).orElseThrow();
        assertThat(e.toString()).doesNotContain(token).doesNotContain(accessor).doesNotContain(e.hash());
        Request r = Request.builder(Operation.READ, "secret/x").clientToken(token).build();
        assertThat(r.toString()).doesNotContain(token);
    }

    @Test
    void errorMessagesNeverEchoTokensOrSubmittedValues() {
        String secret = canary();
        String token = h.tokenWithPolicies("default");
        List<KeyhavenException> errors = new ArrayList<>();
        List<Runnable> attempts = List.of(
                () -> h.call(secret, Operation.READ, "secret/data/x"),
                () -> h.call(token, Operation.READ, "secret/data/x"),
                () -> h.call(h.root, Operation.UPDATE, "auth/token/lookup", Map.of("token", secret)),
                () -> h.call(h.root, Operation.UPDATE, "auth/token/renew", Map.of("token", secret)),
                () -> h.call(h.root, Operation.UPDATE, "auth/token/revoke-orphan", Map.of("token", secret)),
                () -> h.call(h.root, Operation.UPDATE, "auth/token/lookup-accessor", Map.of("accessor", secret)),
                () -> h.call(h.root, Operation.UPDATE, "auth/token/create", Map.of("ttl", secret)),
                () -> h.call(h.root, Operation.UPDATE, "auth/token/create", Map.of("meta", Map.of("k", List.of(secret)))),
                () -> h.call(h.root, Operation.UPDATE, "auth/token/create", Map.of("id", secret + " x")),
                () -> h.call(h.root, Operation.UPDATE, "sys/capabilities", Map.of("token", secret, "path", "x")),
                // A JSON policy's syntax error must not quote the document (Jackson would quote the offending token).
                () -> h.call(h.root, Operation.UPDATE, "sys/policies/acl/p", Map.of("policy", "{\"path\": " + secret + "}")));
        for (Runnable attempt : attempts) errors.add(AuthHarness.failure(attempt));
        for (KeyhavenException e : errors) {
            assertThat(e.getMessage()).doesNotContain(secret).doesNotContain(token).doesNotContain(h.root);
            assertThat(String.join(" ", e.errors())).doesNotContain(secret).doesNotContain(token);
        }
    }

    /**
     * Policy text is configuration, readable back through sys/policy, so HCL errors may name the offending word (as
     * Vault's do); but they never carry the caller's token.
     */
    @Test
    void policyErrorsNameTheProblemButNotTheToken() {
        KeyhavenException e = AuthHarness.failure(() -> h.call(h.root, Operation.UPDATE, "sys/policies/acl/p", Map.of("policy", "path \"a\" { oops }")));
        assertThat(e.getMessage()).startsWith("failed to parse policy: line 1, column").doesNotContain(h.root);
    }
}
