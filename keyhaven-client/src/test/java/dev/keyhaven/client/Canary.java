package dev.keyhaven.client;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random values generated at test time, so nothing credential-like is committed. */
public final class Canary {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Canary() {
    }

    /** A random value with a recognisable prefix. */
    public static String value(String prefix) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return prefix + "-" + HexFormat.of().formatHex(b);
    }

    /** Random characters from the given alphabet. */
    public static String chars(String alphabet, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
