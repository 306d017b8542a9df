package dev.keyhaven.client.vault;

import dev.keyhaven.client.AccessDeniedException;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SourceException;
import dev.keyhaven.client.internal.Json;

import java.util.Map;
import java.util.regex.Pattern;

/** The shared half of login methods: POST {@code auth/<mount>/login}, read Vault's {@code auth} block. */
final class LoginSupport {

    private static final Pattern MOUNT = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    private LoginSupport() {
    }

    static String checkMount(String mount) {
        return checkMount(mount, "auth mount path");
    }

    static String checkMount(String mount, String what) {
        String m = mount.strip();
        while (m.startsWith("/")) {
            m = m.substring(1);
        }
        while (m.endsWith("/")) {
            m = m.substring(0, m.length() - 1);
        }
        if (!MOUNT.matcher(m).matches()) {
            throw new IllegalArgumentException("invalid " + what + ": " + mount);
        }
        return m;
    }

    static VaultLogin login(VaultHttp http, String mount, Map<String, Object> body, String method) {
        String where = "auth/" + mount + "/login";
        VaultHttp.Answer a;
        try {
            a = http.send("POST", VaultHttp.encodePath("auth/" + mount) + "/login", null, body, "logging in with " + method + " at " + where);
        } catch (SourceException e) {
            if (e.getMessage().contains("(HTTP 400")) {
                // Vault answers a wrong role or credential with 400 ("invalid role or secret ID")
                throw new AccessDeniedException(http.source(), method + " login at " + where
                        + " was rejected: " + e.getMessage().substring(e.getMessage().indexOf("(HTTP")));
            }
            throw e;
        }
        if (a.status() == 404) {
            throw new SourceException(http.source(), "no " + method + " auth method is mounted at " + where + " (HTTP 404)");
        }
        Map<String, Object> auth = Json.object(a.body(), "auth");
        String token = Json.string(auth, "client_token");
        if (token == null || token.isBlank()) {
            throw new SourceException(http.source(), method + " login at " + where + " returned no auth.client_token");
        }
        Secret t = Secret.of(token);
        http.redactor().add(t);
        return new VaultLogin(t, Json.bool(auth, "renewable"), Json.number(auth, "lease_duration", 0));
    }
}
