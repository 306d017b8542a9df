package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.logical.KeyhavenException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** Vault's hash algorithm names and their JDK counterparts, plus the PKCS#1 v1.5 DigestInfo OIDs. */
enum HashAlgorithm {
    SHA1("sha1", "SHA-1", "HmacSHA1", 20, "2b0e03021a"),
    SHA2_224("sha2-224", "SHA-224", "HmacSHA224", 28, "608648016503040204"),
    SHA2_256("sha2-256", "SHA-256", "HmacSHA256", 32, "608648016503040201"),
    SHA2_384("sha2-384", "SHA-384", "HmacSHA384", 48, "608648016503040202"),
    SHA2_512("sha2-512", "SHA-512", "HmacSHA512", 64, "608648016503040203"),
    SHA3_224("sha3-224", "SHA3-224", "HmacSHA3-224", 28, "608648016503040207"),
    SHA3_256("sha3-256", "SHA3-256", "HmacSHA3-256", 32, "608648016503040208"),
    SHA3_384("sha3-384", "SHA3-384", "HmacSHA3-384", 48, "608648016503040209"),
    SHA3_512("sha3-512", "SHA3-512", "HmacSHA3-512", 64, "60864801650304020a"),
    /** Only for RSA PKCS#1 v1.5 with prehashed input: the input is signed as given. */
    NONE("none", null, null, 0, null);

    final String wireName;
    final String jdkName;
    final String hmacName;
    final int length;
    private final byte[] oid;

    HashAlgorithm(String wireName, String jdkName, String hmacName, int length, String oidHex) {
        this.wireName = wireName;
        this.jdkName = jdkName;
        this.hmacName = hmacName;
        this.length = length;
        this.oid = oidHex == null ? null : HexFormat.of().parseHex(oidHex);
    }

    static HashAlgorithm parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (HashAlgorithm h : values()) if (h.wireName.equals(v)) return h;
        throw KeyhavenException.badRequest("invalid hash algorithm \"" + s + "\"");
    }

    byte[] digest(byte[] input) {
        try {
            return MessageDigest.getInstance(jdkName).digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jdkName + " unavailable", e);
        }
    }

    /** DER DigestInfo { AlgorithmIdentifier { oid, NULL }, OCTET STRING digest } (RFC 8017 §9.2). */
    byte[] digestInfo(byte[] digest) {
        if (oid == null) return digest.clone();
        int algLen = 2 + oid.length + 2;
        int total = 2 + algLen + 2 + digest.length;
        byte[] out = new byte[2 + total];
        int i = 0;
        out[i++] = 0x30;
        out[i++] = (byte) total;
        out[i++] = 0x30;
        out[i++] = (byte) algLen;
        out[i++] = 0x06;
        out[i++] = (byte) oid.length;
        System.arraycopy(oid, 0, out, i, oid.length);
        i += oid.length;
        out[i++] = 0x05;
        out[i++] = 0x00;
        out[i++] = 0x04;
        out[i++] = (byte) digest.length;
        System.arraycopy(digest, 0, out, i, digest.length);
        return out;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
