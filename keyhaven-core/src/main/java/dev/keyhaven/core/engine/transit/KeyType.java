package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.logical.KeyhavenException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The transit key types, named exactly as Vault names them on the wire. */
public enum KeyType {
    AES128_GCM96("aes128-gcm96", Family.AEAD, 16),
    AES256_GCM96("aes256-gcm96", Family.AEAD, 32),
    CHACHA20_POLY1305("chacha20-poly1305", Family.AEAD, 32),
    ED25519("ed25519", Family.ED25519, 0),
    ECDSA_P256("ecdsa-p256", Family.ECDSA, 256),
    ECDSA_P384("ecdsa-p384", Family.ECDSA, 384),
    ECDSA_P521("ecdsa-p521", Family.ECDSA, 521),
    RSA_2048("rsa-2048", Family.RSA, 2048),
    RSA_3072("rsa-3072", Family.RSA, 3072),
    RSA_4096("rsa-4096", Family.RSA, 4096),
    HMAC("hmac", Family.HMAC, 32);

    /** How a key type behaves. */
    public enum Family { AEAD, ED25519, ECDSA, RSA, HMAC }

    private final String wireName;
    private final Family family;
    private final int size;

    KeyType(String wireName, Family family, int size) {
        this.wireName = wireName;
        this.family = family;
        this.size = size;
    }

    public String wireName() { return wireName; }
    public Family family() { return family; }

    /** Key bytes for AEAD/HMAC types, curve or modulus bits for asymmetric ones. */
    public int size() { return size; }

    public boolean supportsEncryption() { return family == Family.AEAD || family == Family.RSA; }
    public boolean supportsDecryption() { return supportsEncryption(); }
    public boolean supportsSigning() { return family == Family.ED25519 || family == Family.ECDSA || family == Family.RSA; }
    public boolean supportsDerivation() { return family == Family.AEAD || family == Family.ED25519; }
    public boolean isAsymmetric() { return family == Family.ED25519 || family == Family.ECDSA || family == Family.RSA; }

    /** The JDK curve name for ECDSA types. */
    public String curve() {
        return switch (this) {
            case ECDSA_P256 -> "secp256r1";
            case ECDSA_P384 -> "secp384r1";
            case ECDSA_P521 -> "secp521r1";
            default -> throw new IllegalStateException("not an ECDSA key type: " + wireName);
        };
    }

    /** The Go curve name Vault reports as {@code name} for ECDSA versions (P-256 ...). */
    public String goCurveName() {
        return switch (this) {
            case ECDSA_P256 -> "P-256";
            case ECDSA_P384 -> "P-384";
            case ECDSA_P521 -> "P-521";
            default -> throw new IllegalStateException("not an ECDSA key type: " + wireName);
        };
    }

    public static KeyType parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (KeyType t : values()) if (t.wireName.equals(v)) return t;
        if (v.equals("aes-gcm") || v.equals("aes256-gcm")) return AES256_GCM96;
        throw KeyhavenException.badRequest("unknown key type " + s + " (one of: "
                + Arrays.stream(values()).map(KeyType::wireName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
