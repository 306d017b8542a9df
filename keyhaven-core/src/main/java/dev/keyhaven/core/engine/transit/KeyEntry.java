package dev.keyhaven.core.engine.transit;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.spec.SecretKeySpec;

/**
 * One version of a transit key: its secret material (the symmetric key, or the PKCS#8 DER private key), the X.509
 * DER public key for asymmetric types, the per-version HMAC key Vault keeps for every type, and its creation time.
 * Immutable; the arrays are never handed out. {@link #toString()} never shows material.
 */
public final class KeyEntry {
    private final int version;
    private final byte[] key;
    private final byte[] publicKey;
    private final byte[] hmacKey;
    private final Instant creationTime;
    private volatile PrivateKey privateKeyObj;
    private volatile PublicKey publicKeyObj;
    private volatile SecretKeySpec secretKeyObj;

    KeyEntry(int version, byte[] key, byte[] publicKey, byte[] hmacKey, Instant creationTime) {
        this.version = version;
        this.key = Objects.requireNonNull(key, "key").clone();
        this.publicKey = publicKey == null ? new byte[0] : publicKey.clone();
        this.hmacKey = Objects.requireNonNull(hmacKey, "hmacKey").clone();
        this.creationTime = Objects.requireNonNull(creationTime, "creationTime");
    }

    public int version() { return version; }
    public Instant creationTime() { return creationTime; }

    byte[] keyBytes() { return key.clone(); }
    byte[] publicKeyDer() { return publicKey.clone(); }
    byte[] hmacKeyBytes() { return hmacKey.clone(); }

    /** The AEAD key (AES or ChaCha20) or the HMAC-type key, as a JDK key object. */
    SecretKeySpec secretKey(String algorithm) {
        SecretKeySpec s = secretKeyObj;
        if (s == null || !s.getAlgorithm().equals(algorithm)) {
            s = new SecretKeySpec(key, algorithm);
            secretKeyObj = s;
        }
        return s;
    }

    SecretKeySpec hmacSecretKey(String macAlgorithm) {
        return new SecretKeySpec(hmacKey, macAlgorithm);
    }

    PrivateKey privateKey(KeyType type) {
        PrivateKey p = privateKeyObj;
        if (p == null) {
            try {
                p = KeyFactory.getInstance(jdkKeyAlgorithm(type)).generatePrivate(new PKCS8EncodedKeySpec(key));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("stored private key of version " + version + " cannot be decoded", e);
            }
            privateKeyObj = p;
        }
        return p;
    }

    PublicKey publicKey(KeyType type) {
        PublicKey p = publicKeyObj;
        if (p == null) {
            try {
                p = KeyFactory.getInstance(jdkKeyAlgorithm(type)).generatePublic(new X509EncodedKeySpec(publicKey));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("stored public key of version " + version + " cannot be decoded", e);
            }
            publicKeyObj = p;
        }
        return p;
    }

    static String jdkKeyAlgorithm(KeyType type) {
        return switch (type.family()) {
            case ED25519 -> "Ed25519";
            case ECDSA -> "EC";
            case RSA -> "RSA";
            default -> throw new IllegalStateException("no asymmetric key for " + type);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyEntry e && e.version == version && Arrays.equals(e.key, key)
                && Arrays.equals(e.publicKey, publicKey) && Arrays.equals(e.hmacKey, hmacKey) && e.creationTime.equals(creationTime);
    }

    @Override
    public int hashCode() {
        return version * 31 + creationTime.hashCode();
    }

    @Override
    public String toString() {
        return "KeyEntry[v" + version + ", created " + creationTime + ", material redacted]";
    }
}
