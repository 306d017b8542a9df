package dev.keyhaven.core.seal;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir's secret sharing over GF(2^8) (the AES field, polynomial x^8+x^4+x^3+x+1). Each byte of the secret is the
 * constant term of its own random polynomial of degree {@code threshold-1}; a share is the polynomials evaluated at
 * one x, followed by that x as a final byte (Vault's share layout). Field arithmetic is branch-free on secret data.
 */
public final class Shamir {
    public static final int MAX_SHARES = 255;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Shamir() {}

    /** Splits {@code secret} into {@code shares} shares of which any {@code threshold} reconstruct it. */
    public static List<byte[]> split(byte[] secret, int shares, int threshold) {
        if (secret == null || secret.length == 0) throw new IllegalArgumentException("cannot split an empty secret");
        if (threshold < 1 || shares < threshold || shares > MAX_SHARES) {
            throw new IllegalArgumentException("need 1 <= threshold <= shares <= " + MAX_SHARES + " (got threshold " + threshold + ", shares " + shares + ")");
        }
        // Distinct non-zero x coordinates in random order.
        int[] xs = new int[255];
        for (int i = 0; i < 255; i++) xs[i] = i + 1;
        for (int i = 254; i > 0; i--) {
            int j = RANDOM.nextInt(i + 1);
            int tmp = xs[i]; xs[i] = xs[j]; xs[j] = tmp;
        }
        List<byte[]> out = new ArrayList<>(shares);
        for (int s = 0; s < shares; s++) {
            byte[] share = new byte[secret.length + 1];
            share[secret.length] = (byte) xs[s];
            out.add(share);
        }
        int[] coeffs = new int[threshold];
        for (int b = 0; b < secret.length; b++) {
            coeffs[0] = secret[b] & 0xff;
            for (int k = 1; k < threshold; k++) coeffs[k] = RANDOM.nextInt(256);
            for (int s = 0; s < shares; s++) {
                out.get(s)[b] = (byte) evaluate(coeffs, xs[s]);
            }
        }
        java.util.Arrays.fill(coeffs, 0);
        return out;
    }

    /**
     * Reconstructs the secret from shares (at least the threshold, all of the same length, distinct x).
     * With fewer shares than the threshold the result is a uniformly random-looking wrong value: Shamir cannot tell.
     */
    public static byte[] combine(List<byte[]> shares) {
        if (shares.isEmpty()) throw new IllegalArgumentException("no shares given");
        int len = shares.get(0).length;
        if (len < 2) throw new IllegalArgumentException("shares must be at least two bytes long");
        Set<Integer> seen = new HashSet<>();
        int[] xs = new int[shares.size()];
        for (int i = 0; i < shares.size(); i++) {
            byte[] s = shares.get(i);
            if (s.length != len) throw new IllegalArgumentException("shares have different lengths");
            xs[i] = s[len - 1] & 0xff;
            if (xs[i] == 0) throw new IllegalArgumentException("share has x coordinate 0");
            if (!seen.add(xs[i])) throw new IllegalArgumentException("duplicate share (same x coordinate)");
        }
        byte[] secret = new byte[len - 1];
        for (int b = 0; b < len - 1; b++) {
            int acc = 0;
            for (int i = 0; i < xs.length; i++) {
                // Lagrange basis at x=0: prod_{j != i} x_j / (x_j - x_i); subtraction is xor in GF(2^8)
                int num = 1, den = 1;
                for (int j = 0; j < xs.length; j++) {
                    if (j == i) continue;
                    num = mul(num, xs[j]);
                    den = mul(den, xs[j] ^ xs[i]);
                }
                acc ^= mul(shares.get(i)[b] & 0xff, mul(num, inverse(den)));
            }
            secret[b] = (byte) acc;
        }
        return secret;
    }

    static int evaluate(int[] coeffs, int x) {
        int y = 0;
        for (int k = coeffs.length - 1; k >= 0; k--) y = mul(y, x) ^ coeffs[k];
        return y;
    }

    /** Multiplication in GF(2^8) without data-dependent branches. */
    static int mul(int a, int b) {
        int r = 0;
        for (int i = 0; i < 8; i++) {
            r ^= a & -(b & 1);
            int hi = -((a >> 7) & 1);
            a = ((a << 1) ^ (0x1b & hi)) & 0xff;
            b >>= 1;
        }
        return r;
    }

    /** a^254 = a^-1 (and 0 for 0). */
    static int inverse(int a) {
        int result = 1, base = a;
        int e = 254;
        for (int i = 0; i < 8; i++) {
            int bit = (e >> i) & 1;
            int m = mul(result, base);
            result = bit == 1 ? m : result; // e is public: the branch does not depend on secret data
            base = mul(base, base);
        }
        return result;
    }
}
