package dev.keyhaven.doctor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One failed check at one location. {@code message} says what is wrong; it never contains a secret value (checks only
 * ever put key names, file names and redacted previews in it). {@code fingerprint} is stable across line moves: it is
 * derived from the check id, the path and a check-chosen key (for example the workflow job and step), not the line.
 */
public record Finding(String checkId, Severity severity, Location location, String message, String fingerprint) {
    public Finding {
        if (checkId == null || severity == null || location == null || message == null || fingerprint == null) {
            throw new IllegalArgumentException("finding fields must not be null");
        }
    }

    public static String fingerprintOf(String checkId, String path, String key) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] d = md.digest((checkId + "\0" + path + "\0" + key).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
