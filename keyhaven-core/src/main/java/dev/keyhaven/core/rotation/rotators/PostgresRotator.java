package dev.keyhaven.core.rotation.rotators;

import dev.keyhaven.core.rotation.RandomValues;
import dev.keyhaven.core.rotation.Settings;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Properties;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code postgresql}: {@code ALTER ROLE "user" WITH LOGIN PASSWORD '<SCRAM-SHA-256 verifier>'}. The password is sent
 * pre-hashed (as psql's {@code \password} does), so the plaintext never reaches the server or its statement log.
 * Retiring sets {@code PASSWORD NULL} (password logins fail); an emergency retirement also ends the old user's sessions
 * ({@code pg_terminate_backend}; the admin role needs {@code pg_signal_backend} for that).
 *
 * <p>The admin role needs {@code CREATEROLE} and, on PostgreSQL 16+, the {@code ADMIN} option on the managed roles
 * (automatic for roles it created itself).
 *
 * <p>Settings: {@code connection_url} ({@code jdbc:postgresql://host:5432/db}), {@code admin_path},
 * {@code username} or {@code usernames}, {@code password_length} (default 32).
 */
public final class PostgresRotator extends SqlUsersRotator {
    static final int SCRAM_ITERATIONS = 4096;

    @Override
    public String type() {
        return "postgresql";
    }

    @Override
    String urlPrefix() {
        return "jdbc:postgresql:";
    }

    @Override
    Set<String> extraSettings() {
        return Set.of();
    }

    @Override
    int maxIdentifierLength() {
        return 63;
    }

    @Override
    void setPassword(Connection admin, String user, String password, Settings s) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("ALTER ROLE " + ident(user) + " WITH LOGIN PASSWORD " + literal(scramVerifier(password, new SecureRandom())));
        }
    }

    @Override
    void removePassword(Connection admin, String user, Settings s, SecureRandom random) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("ALTER ROLE " + ident(user) + " WITH PASSWORD NULL");
        }
    }

    @Override
    void endSessions(Connection admin, String user, Settings s) throws SQLException {
        int refused = 0;
        try (PreparedStatement ps = admin.prepareStatement("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid()")) {
            ps.setString(1, user);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) if (!rs.getBoolean(1)) refused++;
            }
        }
        if (refused > 0) {
            throw new SQLException("could not end " + refused + " session(s); grant pg_signal_backend to the admin role", "42501");
        }
    }

    @Override
    void connectOptions(Properties p) {
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "60");
        p.setProperty("ApplicationName", "keyhaven-rotation");
    }

    /** A double-quoted identifier with embedded quotes doubled. */
    static String ident(String s) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("NUL in identifier");
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** A standard-conforming string literal (quotes doubled); the E'' form is never used, so backslashes are plain. */
    static String literal(String s) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("NUL in literal");
        return "'" + s.replace("'", "''") + "'";
    }

    /** PostgreSQL's SCRAM-SHA-256 verifier: {@code SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>} (RFC 5802/7677). */
    static String scramVerifier(String password, SecureRandom random) {
        try {
            byte[] salt = RandomValues.bytes(random, 16);
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, SCRAM_ITERATIONS, 256);
            byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            spec.clearPassword();
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            byte[] serverKey = hmac(salted, "Server Key");
            Base64.Encoder b64 = Base64.getEncoder();
            return "SCRAM-SHA-256$" + SCRAM_ITERATIONS + ":" + b64.encodeToString(salt) + "$" + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SCRAM-SHA-256 unavailable", e);
        }
    }

    private static byte[] hmac(byte[] key, String msg) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(msg.getBytes(StandardCharsets.US_ASCII));
    }
}
