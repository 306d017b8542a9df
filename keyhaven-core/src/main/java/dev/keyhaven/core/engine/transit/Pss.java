package dev.keyhaven.core.engine.transit;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import javax.crypto.Cipher;

/**
 * RSASSA-PSS (RFC 8017 §8.1, EMSA-PSS §9.1) over a message digest, with MGF1 on the same hash. Written out because
 * the JDK's RSASSA-PSS signature always hashes its input itself, while transit must sign prehashed input, and
 * because verification must detect the salt length ("auto", as Go does) when the signer used the maximum.
 */
final class Pss {
    /** Salt length "auto" for verification: accept any. */
    static final int AUTO = -1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Pss() {}

    /** The largest salt for the key and hash: what Go's PSSSaltLengthAuto (Vault's default) uses when signing. */
    static int maxSalt(int modBits, HashAlgorithm h) {
        return (modBits - 1 + 7) / 8 - 2 - h.length;
    }

    static byte[] sign(RSAPrivateKey key, HashAlgorithm h, byte[] mHash, int saltLen) throws GeneralSecurityException {
        int modBits = key.getModulus().bitLength();
        int emBits = modBits - 1;
        int emLen = (emBits + 7) / 8;
        int hLen = h.length;
        if (saltLen < 0 || emLen < hLen + saltLen + 2) throw new IllegalArgumentException("requested salt length " + saltLen + " is invalid");
        byte[] salt = new byte[saltLen];
        RANDOM.nextBytes(salt);
        byte[] hh = mPrimeHash(h, mHash, salt);
        byte[] db = new byte[emLen - hLen - 1];
        db[emLen - saltLen - hLen - 2] = 0x01;
        System.arraycopy(salt, 0, db, db.length - saltLen, saltLen);
        byte[] mask = mgf1(h, hh, db.length);
        for (int i = 0; i < db.length; i++) db[i] ^= mask[i];
        db[0] &= (byte) (0xff >>> (8 * emLen - emBits));
        byte[] em = new byte[emLen];
        System.arraycopy(db, 0, em, 0, db.length);
        System.arraycopy(hh, 0, em, db.length, hLen);
        em[emLen - 1] = (byte) 0xbc;
        Cipher rsa = Cipher.getInstance("RSA/ECB/NoPadding");
        rsa.init(Cipher.ENCRYPT_MODE, key);
        return rsa.doFinal(em);
    }

    static boolean verify(RSAPublicKey key, HashAlgorithm h, byte[] mHash, byte[] sig, int saltLen) {
        try {
            int modBits = key.getModulus().bitLength();
            int k = (modBits + 7) / 8;
            if (sig.length != k) return false;
            int emBits = modBits - 1;
            int emLen = (emBits + 7) / 8;
            int hLen = h.length;
            if (mHash.length != hLen) return false;
            Cipher rsa = Cipher.getInstance("RSA/ECB/NoPadding");
            rsa.init(Cipher.DECRYPT_MODE, key);
            byte[] out = rsa.doFinal(sig);
            byte[] m = new byte[k];
            System.arraycopy(out, 0, m, k - out.length, out.length);
            for (int i = 0; i < k - emLen; i++) if (m[i] != 0) return false;
            byte[] em = new byte[emLen];
            System.arraycopy(m, k - emLen, em, 0, emLen);
            if (emLen < hLen + 2 || em[emLen - 1] != (byte) 0xbc) return false;
            byte[] db = new byte[emLen - hLen - 1];
            System.arraycopy(em, 0, db, 0, db.length);
            byte[] hh = new byte[hLen];
            System.arraycopy(em, db.length, hh, 0, hLen);
            int topMask = 0xff << (8 - (8 * emLen - emBits)) & 0xff;
            if ((db[0] & topMask) != 0) return false;
            byte[] mask = mgf1(h, hh, db.length);
            for (int i = 0; i < db.length; i++) db[i] ^= mask[i];
            db[0] &= (byte) (0xff >>> (8 * emLen - emBits));
            int i = 0;
            while (i < db.length && db[i] == 0) i++;
            if (i == db.length || db[i] != 0x01) return false;
            int found = db.length - i - 1;
            if (saltLen != AUTO && found != saltLen) return false;
            byte[] salt = new byte[found];
            System.arraycopy(db, i + 1, salt, 0, found);
            return MessageDigest.isEqual(hh, mPrimeHash(h, mHash, salt));
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] mPrimeHash(HashAlgorithm h, byte[] mHash, byte[] salt) throws GeneralSecurityException {
        MessageDigest md = MessageDigest.getInstance(h.jdkName);
        md.update(new byte[8]);
        md.update(mHash);
        md.update(salt);
        return md.digest();
    }

    private static byte[] mgf1(HashAlgorithm h, byte[] seed, int len) throws GeneralSecurityException {
        MessageDigest md = MessageDigest.getInstance(h.jdkName);
        byte[] out = new byte[len];
        int pos = 0;
        for (int counter = 0; pos < len; counter++) {
            md.update(seed);
            md.update(new byte[] {(byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter});
            byte[] d = md.digest();
            int n = Math.min(d.length, len - pos);
            System.arraycopy(d, 0, out, pos, n);
            pos += n;
        }
        return out;
    }
}
