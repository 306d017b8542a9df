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
 * {@code mysql} (MySQL 8, MariaDB 10.4+): {@code ALTER USER 'user'@'host' IDENTIFIED BY '...'} (both servers mask the
 * password in their logs). Retiring sets a random password that is never stored; an emergency retirement also kills
 * the old user's connections.
 *
 * <p>Settings: {@code connection_url} ({@code jdbc:mariadb://host:3306/db} or {@code jdbc:mysql://...}; the matching
 * JDBC driver must be on the class path), {@code admin_path}, {@code username} or {@code usernames},
 * {@code user_host} (the account's host part, default {@code %}), {@code password_length} (default 32).
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
        String host = s.get("user_host", "%");
        if (host.length() > 255 || host.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw dev.keyhaven.core.rotation.RotationException.badRequest("invalid setting 'user_host'");
        }
    }

    @Override
    Set<String> extraSettings() {
        return Set.of("user_host");
    }

    @Override
    int maxIdentifierLength() {
        return 80;
    }

    @Override
    void setPassword(Connection admin, String user, String password, Settings s) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("ALTER USER " + account(user, s) + " IDENTIFIED BY " + literal(password));
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

    /** A MySQL string literal: backslashes and quotes escaped (valid with and without NO_BACKSLASH_ESCAPES for our inputs). */
    static String literal(String v) {
        if (v.indexOf('\0') >= 0) throw new IllegalArgumentException("NUL in literal");
        return "'" + v.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
