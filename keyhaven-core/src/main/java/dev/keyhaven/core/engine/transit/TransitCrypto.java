package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.logical.KeyhavenException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * Transit's cryptographic operations on one key version, in Vault's wire formats:
 * ciphertexts {@code vault:v<N>:base64(nonce(12) || ciphertext || tag(16))} for AES-GCM and ChaCha20-Poly1305,
 * {@code vault:v<N>:base64(RSA-OAEP-SHA256(plaintext))} for RSA, signatures and HMACs {@code vault:v<N>:base64(...)}.
 * Error messages never contain plaintext, keys or signatures.
 */
final class TransitCrypto {
    static final int NONCE_LEN = 12;
    private static final int TAG_BITS = 128;

    private TransitCrypto() {}

    /** A parsed {@code vault:vN:payload} value. */
    record Versioned(int version, String payload) {}

    static String prefix(int version) {
        return "vault:v" + version + ":";
    }

    /** Parses Vault's version prefix; {@code what} is "ciphertext", "signature" or "hmac" for the error messages. */
    static Versioned parse(String value, String what) {
        if (value == null || !value.startsWith("vault:v")) throw KeyhavenException.badRequest("invalid " + what + ": no prefix");
        String rest = value.substring("vault:v".length());
        int colon = rest.indexOf(':');
        if (colon < 0) throw KeyhavenException.badRequest("invalid " + what + ": wrong number of fields");
        int version;
        try {
            version = Integer.parseInt(rest.substring(0, colon));
        } catch (NumberFormatException e) {
            throw KeyhavenException.badRequest("invalid " + what + ": version number could not be decoded");
        }
        if (version <= 0) throw KeyhavenException.badRequest("invalid " + what + ": version number could not be decoded");
        return new Versioned(version, rest.substring(colon + 1));
    }

    static byte[] b64(String s, String what) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest("failed to base64-decode " + what);
        }
    }

    static final String MISSING_CONTEXT = "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key";

    /**
     * The AEAD key for one operation: the version key itself, or for derived keys HKDF-SHA256(ikm = version key,
     * salt = none, info = context) of the key's length, as Vault's hkdf_sha256 KDF does.
     */
    static javax.crypto.spec.SecretKeySpec aeadKey(KeyPolicy p, KeyEntry e, byte[] context) {
        String alg = p.type == KeyType.CHACHA20_POLY1305 ? "ChaCha20" : "AES";
        if (!p.derived) return e.secretKey(alg);
        if (context == null || context.length == 0) throw KeyhavenException.badRequest(MISSING_CONTEXT);
        return new javax.crypto.spec.SecretKeySpec(hkdfSha256(e.keyBytes(), context, p.type.size()), alg);
    }

    static byte[] hkdfSha256(byte[] ikm, byte[] info, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(new byte[32], "HmacSHA256"));
            byte[] prk = mac.doFinal(ikm);
            mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
            byte[] out = new byte[length];
            byte[] t = new byte[0];
            int pos = 0;
            for (int i = 1; pos < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                int n = Math.min(t.length, length - pos);
                System.arraycopy(t, 0, out, pos, n);
                pos += n;
            }
            return out;
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HKDF failed", ex);
        }
    }

    static String encrypt(KeyPolicy p, KeyEntry e, byte[] plaintext, byte[] aad) {
        return encrypt(p, e, plaintext, aad, null);
    }

    static String encrypt(KeyPolicy p, KeyEntry e, byte[] plaintext, byte[] aad, byte[] context) {
        try {
            byte[] body;
            switch (p.type.family()) {
                case AEAD -> {
                    javax.crypto.spec.SecretKeySpec key = aeadKey(p, e, context);
                    byte[] nonce;
                    if (p.convergent) {
                        Mac mac = Mac.getInstance("HmacSHA256");
                        mac.init(e.hmacSecretKey("HmacSHA256"));
                        mac.update(context);
                        nonce = java.util.Arrays.copyOf(mac.doFinal(plaintext), NONCE_LEN);
                    } else {
                        nonce = KeyPolicy.randomBytes(NONCE_LEN);
                    }
                    Cipher c = aead(p.type, Cipher.ENCRYPT_MODE, key, nonce);
                    if (aad != null && aad.length > 0) c.updateAAD(aad);
                    byte[] ct = c.doFinal(plaintext);
                    body = new byte[NONCE_LEN + ct.length];
                    System.arraycopy(nonce, 0, body, 0, NONCE_LEN);
                    System.arraycopy(ct, 0, body, NONCE_LEN, ct.length);
                }
                case RSA -> {
                    if (aad != null && aad.length > 0) throw KeyhavenException.badRequest("associated_data provided for non-AEAD cipher suite " + p.type);
                    Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
                    c.init(Cipher.ENCRYPT_MODE, e.publicKey(p.type), oaep());
                    int max = (p.type.size() / 8) - 2 * 32 - 2;
                    if (plaintext.length > max) throw KeyhavenException.badRequest("plaintext too long for " + p.type + " (at most " + max + " bytes)");
                    body = c.doFinal(plaintext);
                }
                default -> throw KeyhavenException.badRequest("key type " + p.type + " does not support encryption");
            }
            return prefix(e.version()) + Base64.getEncoder().encodeToString(body);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("encryption failed", ex);
        }
    }

    static byte[] decrypt(KeyPolicy p, String ciphertext, byte[] aad) {
        return decrypt(p, ciphertext, aad, null);
    }

    static byte[] decrypt(KeyPolicy p, String ciphertext, byte[] aad, byte[] context) {
        if (!p.type.supportsDecryption()) throw KeyhavenException.badRequest("key type " + p.type + " does not support decryption");
        Versioned v = parse(ciphertext, "ciphertext");
        KeyEntry e = p.decryptionEntry(v.version());
        byte[] body = b64(v.payload(), "ciphertext");
        try {
            if (p.type.family() == KeyType.Family.RSA) {
                if (aad != null && aad.length > 0) throw KeyhavenException.badRequest("associated_data provided for non-AEAD cipher suite " + p.type);
                Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
                c.init(Cipher.DECRYPT_MODE, e.privateKey(p.type), oaep());
                return c.doFinal(body);
            }
            if (body.length < NONCE_LEN + TAG_BITS / 8) throw KeyhavenException.badRequest("invalid ciphertext: too short");
            javax.crypto.spec.SecretKeySpec key = aeadKey(p, e, context);
            byte[] nonce = new byte[NONCE_LEN];
            System.arraycopy(body, 0, nonce, 0, NONCE_LEN);
            Cipher c = aead(p.type, Cipher.DECRYPT_MODE, key, nonce);
            if (aad != null && aad.length > 0) c.updateAAD(aad);
            return c.doFinal(body, NONCE_LEN, body.length - NONCE_LEN);
        } catch (AEADBadTagException ex) {
            throw KeyhavenException.badRequest("cipher: message authentication failed");
        } catch (javax.crypto.BadPaddingException | javax.crypto.IllegalBlockSizeException ex) {
            throw KeyhavenException.badRequest("failed to RSA decrypt the ciphertext");
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("decryption failed", ex);
        }
    }

    private static OAEPParameterSpec oaep() {
        return new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
    }

    private static Cipher aead(KeyType type, int mode, javax.crypto.spec.SecretKeySpec key, byte[] nonce) throws GeneralSecurityException {
        if (type == KeyType.CHACHA20_POLY1305) {
            Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(mode, key, new IvParameterSpec(nonce));
            return c;
        }
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        return c;
    }

    /** Signing options as transit's sign/verify take them. */
    record SignOptions(HashAlgorithm hash, boolean prehashed, String signatureAlgorithm, boolean jws, int saltLength) {}

    /** Raw signature bytes over {@code input} (the message, or its digest when prehashed). */
    static byte[] signRaw(KeyPolicy p, KeyEntry e, byte[] input, SignOptions o) {
        try {
            switch (p.type.family()) {
                case ED25519 -> {
                    if (o.prehashed()) throw KeyhavenException.badRequest("prehashed input is not supported for ed25519 keys (Ed25519 signs the message itself)");
                    Signature s = Signature.getInstance("Ed25519");
                    s.initSign(e.privateKey(p.type));
                    s.update(input);
                    return s.sign();
                }
                case ECDSA -> {
                    byte[] digest = digestFor(input, o);
                    Signature s = Signature.getInstance("NONEwithECDSA");
                    s.initSign(e.privateKey(p.type));
                    s.update(digest);
                    byte[] der = s.sign();
                    return o.jws() ? Der.ecdsaDerToRaw(der, (p.type.size() + 7) / 8) : der;
                }
                case RSA -> {
                    byte[] digest = digestFor(input, o);
                    RSAPrivateKey key = (RSAPrivateKey) e.privateKey(p.type);
                    if (o.signatureAlgorithm().equals("pkcs1v15")) {
                        Signature s = Signature.getInstance("NONEwithRSA");
                        s.initSign(key);
                        s.update(o.hash().digestInfo(digest));
                        return s.sign();
                    }
                    if (o.hash() == HashAlgorithm.NONE) throw KeyhavenException.badRequest("hash_algorithm none is only valid with signature_algorithm pkcs1v15");
                    int modBits = key.getModulus().bitLength();
                    int salt = o.saltLength() == Pss.AUTO ? Pss.maxSalt(modBits, o.hash()) : o.saltLength();
                    if (salt < o.hash().length || salt > Pss.maxSalt(modBits, o.hash()))
                        throw KeyhavenException.badRequest("requested salt length " + salt + " is invalid");
                    return Pss.sign(key, o.hash(), digest, salt);
                }
                default -> throw KeyhavenException.badRequest("key type " + p.type + " does not support signing");
            }
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("signing failed", ex);
        }
    }

    static boolean verifyRaw(KeyPolicy p, KeyEntry e, byte[] input, byte[] sig, SignOptions o) {
        try {
            switch (p.type.family()) {
                case ED25519 -> {
                    if (o.prehashed()) throw KeyhavenException.badRequest("prehashed input is not supported for ed25519 keys (Ed25519 signs the message itself)");
                    Signature s = Signature.getInstance("Ed25519");
                    s.initVerify(e.publicKey(p.type));
                    s.update(input);
                    return s.verify(sig);
                }
                case ECDSA -> {
                    byte[] digest = digestFor(input, o);
                    byte[] der;
                    try {
                        der = o.jws() ? Der.ecdsaRawToDer(sig) : sig;
                    } catch (IllegalArgumentException bad) {
                        throw KeyhavenException.badRequest("supplied signature is invalid");
                    }
                    Signature s = Signature.getInstance("NONEwithECDSA");
                    s.initVerify(e.publicKey(p.type));
                    s.update(digest);
                    try {
                        return s.verify(der);
                    } catch (java.security.SignatureException malformed) {
                        throw KeyhavenException.badRequest("supplied signature is invalid");
                    }
                }
                case RSA -> {
                    byte[] digest = digestFor(input, o);
                    RSAPublicKey key = (RSAPublicKey) e.publicKey(p.type);
                    if (o.signatureAlgorithm().equals("pkcs1v15")) {
                        Signature s = Signature.getInstance("NONEwithRSA");
                        s.initVerify(key);
                        s.update(o.hash().digestInfo(digest));
                        try {
                            return s.verify(sig);
                        } catch (java.security.SignatureException malformed) {
                            return false;
                        }
                    }
                    if (o.hash() == HashAlgorithm.NONE) throw KeyhavenException.badRequest("hash_algorithm none is only valid with signature_algorithm pkcs1v15");
                    return Pss.verify(key, o.hash(), digest, sig, o.saltLength());
                }
                default -> throw KeyhavenException.badRequest("key type " + p.type + " does not support verification");
            }
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("verification failed", ex);
        }
    }

    private static byte[] digestFor(byte[] input, SignOptions o) {
        if (o.hash() == HashAlgorithm.NONE) {
            if (!o.prehashed()) throw KeyhavenException.badRequest("hash_algorithm none requires prehashed input");
            return input;
        }
        if (o.prehashed()) {
            if (input.length != o.hash().length)
                throw KeyhavenException.badRequest("prehashed input must be a " + o.hash() + " digest of " + o.hash().length + " bytes, got " + input.length);
            return input;
        }
        return o.hash().digest(input);
    }

    static byte[] hmac(KeyPolicy p, KeyEntry e, HashAlgorithm h, byte[] input) {
        if (h == HashAlgorithm.NONE) throw KeyhavenException.badRequest("unsupported algorithm none");
        try {
            Mac mac = Mac.getInstance(h.hmacName);
            mac.init(p.type == KeyType.HMAC ? new javax.crypto.spec.SecretKeySpec(e.keyBytes(), h.hmacName) : e.hmacSecretKey(h.hmacName));
            return mac.doFinal(input);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HMAC failed", ex);
        }
    }

    static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
