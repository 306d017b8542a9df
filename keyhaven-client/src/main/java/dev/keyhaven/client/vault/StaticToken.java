package dev.keyhaven.client.vault;

import dev.keyhaven.client.Secret;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A token given up front: in code, or found like the vault CLI finds it ({@code KEYHAVEN_TOKEN}, then
 * {@code VAULT_TOKEN}, then {@code ~/.vault-token}). Its lifetime is learned from
 * {@code auth/token/lookup-self} so a renewable token can be kept alive.
 */
public record StaticToken(Secret token, String origin) implements VaultAuth {

    public StaticToken {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(origin, "origin");
        if (token.isBlank()) {
            throw new IllegalArgumentException("token from " + origin + " is empty");
        }
    }

    /** A token given in code. */
    public static StaticToken of(Secret token) {
        return new StaticToken(token, "code");
    }

    /** The process environment and the real home directory. */
    public static Optional<StaticToken> fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home", ".")));
    }

    /** {@code KEYHAVEN_TOKEN}, {@code VAULT_TOKEN}, then {@code <home>/.vault-token}; empty when none is set. */
    public static Optional<StaticToken> fromEnvironment(Map<String, String> env, Path home) {
        for (String var : new String[] {"KEYHAVEN_TOKEN", "VAULT_TOKEN"}) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                return Optional.of(new StaticToken(Secret.of(v.strip()), var));
            }
        }
        Path file = home.resolve(".vault-token");
        if (Files.isRegularFile(file)) {
            try {
                String v = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!v.isEmpty()) {
                    return Optional.of(new StaticToken(Secret.of(v), file.toString()));
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        return Optional.empty();
    }

    @Override
    public VaultLogin authenticate(VaultHttp http) {
        VaultHttp.Answer a;
        try {
            a = http.send("GET", "auth/token/lookup-self", token, null, "looking up the token from " + origin);
        } catch (dev.keyhaven.client.AccessDeniedException e) {
            // a policy without lookup-self, or a bad token: either way the secret reads will say which,
            // naming the path; without a known TTL the token is not renewed
            return new VaultLogin(token, false, 0);
        }
        if (a.status() == 404) {
            // servers without lookup-self: use the token as is, never renew it
            return new VaultLogin(token, false, 0);
        }
        Map<String, Object> data = dev.keyhaven.client.internal.Json.object(a.body(), "data");
        boolean renewable = dev.keyhaven.client.internal.Json.bool(data, "renewable");
        long ttl = dev.keyhaven.client.internal.Json.number(data, "ttl", 0);
        return new VaultLogin(token, renewable, ttl);
    }

    @Override
    public boolean canLogInAgain() {
        return false;
    }

    @Override
    public String describe() {
        return "token from " + origin;
    }

    @Override
    public String toString() {
        return "StaticToken[" + origin + "]";
    }
}
