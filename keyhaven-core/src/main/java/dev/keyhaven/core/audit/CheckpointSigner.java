package dev.keyhaven.core.audit;

import dev.keyhaven.core.storage.Storage;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The Ed25519 key that signs audit checkpoints. Generated on first use and kept behind the barrier (PKCS#8 at
 * {@code signing-key} in the broker's storage view); only the public key ever leaves it ({@link #publicKeyPem()}).
 */
public final class CheckpointSigner {
    static final String STORAGE_KEY = "signing-key";
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    private CheckpointSigner(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.keyId = keyId(publicKey);
    }

    /** Loads the key pair from {@code storage}, creating and storing it on first use. */
    public static CheckpointSigner loadOrCreate(Storage storage) {
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            Optional<byte[]> stored = storage.get(STORAGE_KEY);
            if (stored.isEmpty()) {
                KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                byte[] record = encode(kp);
                if (storage.compareAndSet(STORAGE_KEY, null, record)) return new CheckpointSigner(kp.getPrivate(), kp.getPublic());
                stored = storage.get(STORAGE_KEY); // created concurrently by another node
            }
            String[] parts = new String(stored.orElseThrow(), java.nio.charset.StandardCharsets.US_ASCII).split("\\.");
            if (parts.length != 2) throw new IllegalStateException("audit signing key record is malformed");
            PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(parts[0])));
            PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(parts[1])));
            return new CheckpointSigner(priv, pub);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("audit signing key unusable", e);
        }
    }

    private static byte[] encode(KeyPair kp) {
        Base64.Encoder b = Base64.getEncoder();
        return (b.encodeToString(kp.getPrivate().getEncoded()) + "." + b.encodeToString(kp.getPublic().getEncoded()))
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    public String sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(message);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("audit checkpoint signing failed", e);
        }
    }

    public String keyId() {
        return keyId;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public String publicKeyPem() {
        return toPem(publicKey);
    }

    public static String toPem(PublicKey key) {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
    }

    /** Parses a PEM ({@code BEGIN PUBLIC KEY}) or bare base64 X.509 Ed25519 public key. */
    public static PublicKey parsePublicKey(String pem) {
        String b64 = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key in PEM format");
        }
    }

    /** First 16 hex digits of SHA-256 over the X.509 encoding. */
    public static String keyId(PublicKey key) {
        return HexFormat.of().formatHex(AuditChain.sha256(key.getEncoded(), 0, key.getEncoded().length)).substring(0, 16);
    }

    public static boolean verify(PublicKey key, byte[] message, String signatureB64) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(Base64.getDecoder().decode(signatureB64));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "CheckpointSigner[keyId=" + keyId + "]";
    }
}
