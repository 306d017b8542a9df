package dev.keyhaven.core.rotation.rotators;

import dev.keyhaven.core.rotation.RandomValues;
import dev.keyhaven.core.rotation.RotationContext;
import dev.keyhaven.core.rotation.RotationException;
import dev.keyhaven.core.rotation.SecretData;
import dev.keyhaven.core.rotation.Settings;
import dev.keyhaven.core.rotation.ValueRotator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code redis} (Redis 6+ ACL users): a user may hold several passwords, so the overlap needs no second user.
 * Apply adds the new password ({@code ACL SETUSER u on #<sha256>}); retire removes the old one
 * ({@code ACL SETUSER u !<sha256>}). Passwords travel as SHA-256 hashes, so the plaintext never appears in the
 * server's command stream (MONITOR, SLOWLOG). Verification is a fresh {@code AUTH u <new>} on a new connection.
 * An emergency retirement also disconnects the user's clients ({@code CLIENT KILL USER u}), which then
 * reconnect with the current password.
 *
 * <p>Settings: {@code address} ({@code host:port}), {@code admin_path} (KV secret with {@code password} and an
 * optional {@code username}, default {@code default}), {@code username} (the ACL user), {@code password_length}
 * (default 32), {@code acl_save} (run {@code ACL SAVE} after changes when the server uses an ACL file; default false).
 */
public final class RedisRotator implements ValueRotator {
    private static final Set<String> SETTINGS = Set.of("address", "admin_path", "username", "password_length", "acl_save");
    private static final int TIMEOUT_MS = 10_000;

    @Override
    public String type() {
        return "redis";
    }

    @Override
    public void validate(Settings s) {
        s.allowOnly(type(), SETTINGS);
        address(s);
        s.require("admin_path");
        String u = s.require("username");
        if (u.chars().anyMatch(c -> c <= 0x20 || c == 0x7f) || u.length() > 128) throw RotationException.badRequest("setting 'username' must be 1-128 printable characters without spaces");
        s.integer("password_length", 32, 20, 256);
        s.bool("acl_save", false);
    }

    @Override
    public boolean supportsOverlap(Settings settings) {
        return true;
    }

    @Override
    public Optional<SecretData> prepare(RotationContext ctx) {
        String pw = RandomValues.fromAlphabet(ctx.random(), RandomValues.ALPHANUMERIC, ctx.settings().integer("password_length", 32, 20, 256));
        return Optional.of(SecretData.of("username", ctx.settings().require("username"), "password", pw));
    }

    @Override
    public void apply(RotationContext ctx, SecretData next) {
        String user = next.require("username");
        try (Resp r = admin(ctx)) {
            r.call("ACL", "SETUSER", user, "on", "#" + sha256(next.require("password")));
            save(ctx, r);
        } catch (IOException | Resp.RedisError e) {
            throw failure("adding the new password of '" + user + "'", e);
        }
    }

    @Override
    public void verify(RotationContext ctx, SecretData value) {
        String[] hp = address(ctx.settings());
        String user = value.require("username");
        try (Resp r = new Resp(hp[0], Integer.parseInt(hp[1]), TIMEOUT_MS)) {
            r.call("AUTH", user, value.require("password"));
            r.call("PING");
        } catch (IOException | Resp.RedisError e) {
            throw failure("login as '" + user + "'", e);
        }
    }

    @Override
    public void retire(RotationContext ctx, SecretData old) {
        String user = old.require("username");
        String hash = sha256(old.require("password"));
        boolean sameAsCurrent = ctx.current().flatMap(c -> c.get("password")).map(RedisRotator::sha256).map(hash::equals).orElse(false);
        if (sameAsCurrent) return;
        try (Resp r = admin(ctx)) {
            if (hasPassword(r, user, hash)) {
                r.call("ACL", "SETUSER", user, "!" + hash);
                save(ctx, r);
            }
            if (ctx.emergency()) {
                try {
                    r.call("CLIENT", "KILL", "USER", user);
                } catch (Resp.RedisError none) {
                    // no connected client of that user
                }
            }
        } catch (IOException | Resp.RedisError e) {
            throw failure("removing the old password of '" + user + "'", e);
        }
    }

    private static boolean hasPassword(Resp r, String user, String hash) throws IOException {
        Object reply = r.call("ACL", "GETUSER", user);
        if (!(reply instanceof List<?> fields)) return false;
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if ("passwords".equals(fields.get(i)) && fields.get(i + 1) instanceof List<?> pws) return pws.contains(hash);
        }
        return false;
    }

    private static void save(RotationContext ctx, Resp r) throws IOException {
        if (ctx.settings().bool("acl_save", false)) r.call("ACL", "SAVE");
    }

    private Resp admin(RotationContext ctx) throws IOException {
        SecretData a = ctx.credential("admin_path");
        String[] hp = address(ctx.settings());
        Resp r = new Resp(hp[0], Integer.parseInt(hp[1]), TIMEOUT_MS);
        try {
            r.call("AUTH", a.get("username").orElse("default"), a.require("password"));
            return r;
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    private static String[] address(Settings s) {
        String a = s.require("address");
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) throw RotationException.badRequest("setting 'address' must be host:port");
        try {
            int port = Integer.parseInt(a.substring(colon + 1));
            if (port < 1 || port > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw RotationException.badRequest("setting 'address' has an invalid port");
        }
        String host = a.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        return new String[] {host, a.substring(colon + 1)};
    }

    private RuntimeException failure(String what, Exception e) {
        String why = e instanceof Resp.RedisError re ? "server error " + re.code() : e.getClass().getSimpleName();
        return RotationException.target("redis: " + what + " failed (" + why + ")", null);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
