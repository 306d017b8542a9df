package dev.keyhaven.core.rotation.rotators;

import dev.keyhaven.core.rotation.RandomValues;
import dev.keyhaven.core.rotation.Settings;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * {@code mysql} (MySQL 8, MariaDB 10.4+): {@code ALTER USER 'user'@'host' IDENTIFIED BY '...'}. For MariaDB (flavor
 * {@code mariadb}, the default for {@code jdbc:mariadb:} URLs) the password is sent as its mysql_native_password hash
 * ({@code IDENTIFIED BY PASSWORD '*...'}), so the plaintext never reaches the server or a driver's statement log; for
 * MySQL 8 (flavor {@code mysql}) the plaintext form is used, which the server masks in its own logs. Retiring sets a random password that is never stored; an emergency retirement also kills
 * the old user's connections.
 *
 * <p>Settings: {@code connection_url} ({@code jdbc:mariadb://host:3306/db} or {@code jdbc:mysql://...}; the matching
 * JDBC driver must be on the class path), {@code admin_path}, {@code username} or {@code usernames},
 * {@code user_host} (the account's host part, default {@code %}), {@code flavor} ({@code mariadb} or {@code mysql}),
 * {@code password_length} (default 32). The admin needs {@code CREATE USER} (and {@code PROCESS} plus
 * {@code CONNECTION ADMIN} to end sessions in emergencies).
 */
public final class MysqlRotator extends SqlUsersRotator {
    @Override
    public String type() {
        return "mysql";
    }

    @Override
    String urlPrefix() {
        return "jdbc:";
    }

    @Override
    public void validate(Settings s) {
        super.validate(s);
        String url = s.require("connection_url");
        if (!url.startsWith("jdbc:mariadb:") && !url.startsWith("jdbc:mysql:")) {
            throw dev.keyhaven.core.rotation.RotationException.badRequest("setting 'connection_url' must start with jdbc:mariadb: or jdbc:mysql:");
        }
        String flavor = s.get("flavor", "mariadb");
        if (!flavor.equals("mariadb") && !flavor.equals("mysql")) {
            throw dev.keyhaven.core.rotation.RotationException.badRequest("setting 'flavor' must be mariadb or mysql");
        }
        for (String u : users(s)) {
            if (u.indexOf('\\') >= 0) throw dev.keyhaven.core.rotation.RotationException.badRequest("user names with a backslash are not supported");
        }
        String host = s.get("user_host", "%");
        if (host.indexOf('\\') >= 0) throw dev.keyhaven.core.rotation.RotationException.badRequest("invalid setting 'user_host'");
        if (host.length() > 255 || host.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw dev.keyhaven.core.rotation.RotationException.badRequest("invalid setting 'user_host'");
        }
    }

    @Override
    Set<String> extraSettings() {
        return Set.of("user_host", "flavor");
    }

    @Override
    int maxIdentifierLength() {
        return 80;
    }

    @Override
    void setPassword(Connection admin, String user, String password, Settings s) throws SQLException {
        try (Statement st = admin.createStatement()) {
            if (flavor(s).equals("mariadb")) {
                // MariaDB accepts the mysql_native_password hash: the plaintext never crosses the wire or reaches a
                // log (JDBC drivers log whole statements at DEBUG)
                st.execute("ALTER USER " + account(user, s) + " IDENTIFIED BY PASSWORD " + literal(nativePasswordHash(password)));
            } else {
                st.execute("ALTER USER " + account(user, s) + " IDENTIFIED BY " + literal(password));
            }
        }
    }

    /** {@code mariadb} or {@code mysql}: setting {@code flavor}, else from the URL's driver prefix. */
    static String flavor(Settings s) {
        return s.get("flavor").orElse(s.require("connection_url").startsWith("jdbc:mariadb:") ? "mariadb" : "mysql");
    }

    /** mysql_native_password's stored form: {@code *} + upper-case hex of SHA1(SHA1(password)). */
    static String nativePasswordHash(String password) {
        try {
            java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
            byte[] once = sha1.digest(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "*" + java.util.HexFormat.of().withUpperCase().formatHex(sha1.digest(once));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    void removePassword(Connection admin, String user, Settings s, SecureRandom random) throws SQLException {
        setPassword(admin, user, RandomValues.fromAlphabet(random, RandomValues.ALPHANUMERIC, 40), s);
    }

    @Override
    void endSessions(Connection admin, String user, Settings s) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = admin.prepareStatement("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getLong(1));
            }
        }
        try (Statement st = admin.createStatement()) {
            for (long id : ids) {
                try {
                    st.execute("KILL CONNECTION " + id);
                } catch (SQLException gone) {
                    // the connection ended on its own meanwhile
                }
            }
        }
    }

    @Override
    void connectOptions(Properties p) {
        p.setProperty("connectTimeout", "10000");
        p.setProperty("socketTimeout", "60000");
    }

    static String account(String user, Settings s) {
        return literal(user) + "@" + literal(s.get("user_host", "%"));
    }

    /**
     * A MySQL string literal with backslashes and quotes escaped. Inputs with backslashes are refused at validation and
     * generated values never contain one, so the literal means the same with or without NO_BACKSLASH_ESCAPES.
     */
    static String literal(String v) {
        if (v.indexOf('\0') >= 0) throw new IllegalArgumentException("NUL in literal");
        return "'" + v.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
