package dev.keyhaven.core.rotation;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/** Random secret values from a {@link SecureRandom}: strings over an alphabet, hex, base64, UUIDs, passphrases. */
public final class RandomValues {
    public static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String CONSONANTS = "bdfghjklmnprstvz"; // 16
    private static final String VOWELS = "aeiou"; // 5

    private RandomValues() {}

    /** {@code length} characters drawn uniformly from {@code alphabet} (rejection-free via nextInt). */
    public static String fromAlphabet(SecureRandom r, String alphabet, int length) {
        StringBuilder sb = new StringBuilder(length);
        int[] cps = alphabet.codePoints().distinct().toArray();
        for (int i = 0; i < length; i++) sb.appendCodePoint(cps[r.nextInt(cps.length)]);
        return sb.toString();
    }

    public static byte[] bytes(SecureRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    public static String hex(SecureRandom r, int bytes) {
        return HexFormat.of().formatHex(bytes(r, bytes));
    }

    public static String base64(SecureRandom r, int bytes) {
        return Base64.getEncoder().encodeToString(bytes(r, bytes));
    }

    public static String base64Url(SecureRandom r, int bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(r, bytes));
    }

    public static String uuid(SecureRandom r) {
        byte[] b = bytes(r, 16);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long msb = 0, lsb = 0;
        for (int i = 0; i < 8; i++) msb = (msb << 8) | (b[i] & 0xff);
        for (int i = 8; i < 16; i++) lsb = (lsb << 8) | (b[i] & 0xff);
        return new UUID(msb, lsb).toString();
    }

    /**
     * A passphrase of pronounceable words, each three consonant-vowel syllables (80^3 = 512,000 possible words,
     * about 18.97 bits each; six words give about 113 bits), joined by {@code separator}.
     */
    public static String passphrase(SecureRandom r, int words, String separator) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < words; w++) {
            if (w > 0) sb.append(separator);
            for (int s = 0; s < 3; s++) {
                sb.append(CONSONANTS.charAt(r.nextInt(CONSONANTS.length())));
                sb.append(VOWELS.charAt(r.nextInt(VOWELS.length())));
            }
        }
        return sb.toString();
    }

    /** Bits of entropy of one passphrase word. */
    public static double bitsPerWord() {
        return 3 * (Math.log(CONSONANTS.length() * VOWELS.length()) / Math.log(2));
    }
}
