package dev.keyhaven.core.rotation.rotators;

import dev.keyhaven.core.rotation.RandomValues;
import dev.keyhaven.core.rotation.RotationContext;
import dev.keyhaven.core.rotation.RotationException;
import dev.keyhaven.core.rotation.SecretData;
import dev.keyhaven.core.rotation.Settings;
import dev.keyhaven.core.rotation.ValueRotator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Shared shape of the database rotators: the admin login comes from a KV secret ({@code admin_path}, fields
 * {@code username} and {@code password}); the managed secret holds {@code username} and {@code password}.
 *
 * <p>Strategies: one user ({@code username = "app"}: the password changes in place, so there is no overlap; use
 * {@code overlap = 0}) or alternating users ({@code usernames = "app_a,app_b"}: each rotation sets a new password on
 * the user that is not current and switches to it, so the current login keeps working through the overlap; retiring
 * removes the old user's password). Both users need the same privileges (e.g. membership in one group role).
 *
 * <p>Statements carrying a password are never logged, and errors name the user and SQLSTATE only.
 */
abstract class SqlUsersRotator implements ValueRotator {
    static final Set<String> COMMON = Set.of("connection_url", "admin_path", "username", "usernames", "password_length");

    abstract String urlPrefix();

    abstract void setPassword(Connection admin, String user, String password, Settings s) throws SQLException;

    abstract void removePassword(Connection admin, String user, Settings s, java.security.SecureRandom random) throws SQLException;

    abstract void endSessions(Connection admin, String user, Settings s) throws SQLException;

    abstract Set<String> extraSettings();

    abstract int maxIdentifierLength();

    @Override
    public void validate(Settings s) {
        Set<String> allowed = new HashSet<>(COMMON);
        allowed.addAll(extraSettings());
        s.allowOnly(type(), allowed);
        String url = s.require("connection_url");
        if (!url.startsWith(urlPrefix())) throw RotationException.badRequest("setting 'connection_url' must start with " + urlPrefix());
        if (url.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
            throw RotationException.badRequest("setting 'connection_url' must not contain a password; put the admin login in the KV secret named by 'admin_path'");
        }
        s.require("admin_path");
        List<String> users = users(s);
        for (String u : users) {
            if (u.length() > maxIdentifierLength() || u.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw RotationException.badRequest("invalid user name in settings (at most " + maxIdentifierLength() + " printable characters)");
            }
        }
        s.integer("password_length", 32, 20, 128);
    }

    static List<String> users(Settings s) {
        List<String> many = s.list("usernames");
        Optional<String> one = s.get("username");
        if (!many.isEmpty() && one.isPresent()) throw RotationException.badRequest("set either 'username' (one user) or 'usernames' (two alternating users), not both");
        if (many.isEmpty() && one.isEmpty()) throw RotationException.badRequest("setting 'username' or 'usernames' is required");
        if (one.isPresent()) return List.of(one.get());
        if (many.size() != 2 || many.get(0).equals(many.get(1))) throw RotationException.badRequest("setting 'usernames' needs exactly two different users, e.g. app_a,app_b");
        return many;
    }

    @Override
    public boolean supportsOverlap(Settings s) {
        return users(s).size() == 2;
    }

    @Override
    public Optional<SecretData> prepare(RotationContext ctx) {
        List<String> users = users(ctx.settings());
        String next = users.get(0);
        if (users.size() == 2) {
            String cur = ctx.current().flatMap(c -> c.get("username")).orElse("");
            next = cur.equals(users.get(0)) ? users.get(1) : users.get(0);
        }
        String password = RandomValues.fromAlphabet(ctx.random(), RandomValues.ALPHANUMERIC, ctx.settings().integer("password_length", 32, 20, 128));
        return Optional.of(SecretData.of("username", next, "password", password));
    }

    @Override
    public void apply(RotationContext ctx, SecretData next) {
        String user = next.require("username");
        try (Connection admin = admin(ctx)) {
            setPassword(admin, user, next.require("password"), ctx.settings());
        } catch (SQLException e) {
            throw RotationException.target(type() + ": setting the password of '" + user + "' failed (SQLSTATE " + e.getSQLState() + ")", null);
        }
    }

    @Override
    public void verify(RotationContext ctx, SecretData value) {
        String user = value.require("username");
        try (Connection c = connect(ctx.settings().require("connection_url"), user, value.require("password"));
             Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        } catch (SQLException e) {
            throw RotationException.target(type() + ": login as '" + user + "' failed (SQLSTATE " + e.getSQLState() + ")", null);
        }
    }

    @Override
    public void retire(RotationContext ctx, SecretData old) {
        String user = old.require("username");
        String current = ctx.current().flatMap(c -> c.get("username")).orElse("");
        if (user.equals(current)) return; // one-user strategy: the new password already replaced the old one
        try (Connection admin = admin(ctx)) {
            removePassword(admin, user, ctx.settings(), ctx.random());
            if (ctx.emergency()) endSessions(admin, user, ctx.settings());
        } catch (SQLException e) {
            String why = e.getMessage() != null && e.getMessage().startsWith("could not end") ? e.getMessage() : "SQLSTATE " + e.getSQLState();
            throw RotationException.target(type() + ": retiring the password of '" + user + "' failed (" + why + ")", null);
        }
    }

    Connection admin(RotationContext ctx) {
        SecretData a = ctx.credential("admin_path");
        String user = a.require("username");
        try {
            return connect(ctx.settings().require("connection_url"), user, a.require("password"));
        } catch (SQLException e) {
            throw RotationException.target(type() + ": admin login as '" + user + "' failed (SQLSTATE " + e.getSQLState() + ")", null);
        }
    }

    Connection connect(String url, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        connectOptions(p);
        return DriverManager.getConnection(url, p);
    }

    abstract void connectOptions(Properties p);
}
