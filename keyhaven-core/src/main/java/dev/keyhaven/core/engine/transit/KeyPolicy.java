package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.util.Json;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A named transit key (Vault's "policy"): its type, its versions (the key ring) and its configuration. Instances are
 * mutated only as fresh copies ({@link #copy()}) that are then stored with compare-and-set, so a reader never sees
 * a half-applied change. Serialised to JSON for storage; the barrier encrypts it like every other value.
 */
public final class KeyPolicy {
    static final int FORMAT = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    final String name;
    final KeyType type;
    final NavigableMap<Integer, KeyEntry> keys = new TreeMap<>();
    int latestVersion;
    int minDecryptionVersion = 1;
    int minEncryptionVersion;
    int minAvailableVersion;
    boolean deletionAllowed;
    boolean exportable;
    boolean allowPlaintextBackup;
    /** Per-request keys derived with HKDF-SHA256 from the version key and the request's context. */
    boolean derived;
    /** Convergent encryption (derived keys only): the nonce is HMAC-SHA256(version HMAC key, context || plaintext). */
    boolean convergent;
    long autoRotatePeriodSeconds;
    int keySize;
    /** Keyhaven extension: publish the public keys as a JWKS at jwks/:name. */
    boolean jwksPublished;
    /** Keyhaven extension: JWS algorithm for RSA keys (RS256 ... PS512); ignored for other types. */
    String jwtRsaAlgorithm = "RS256";
    Instant backupTime;
    int backupVersion;
    Instant restoreTime;
    int restoreVersion;

    KeyPolicy(String name, KeyType type) {
        this.name = name;
        this.type = type;
    }

    public String name() { return name; }
    public KeyType type() { return type; }
    public int latestVersion() { return latestVersion; }
    public int minDecryptionVersion() { return minDecryptionVersion; }
    public int minEncryptionVersion() { return minEncryptionVersion; }
    public int minAvailableVersion() { return minAvailableVersion; }
    public long autoRotatePeriodSeconds() { return autoRotatePeriodSeconds; }
    public boolean jwksPublished() { return jwksPublished; }

    /** Creates a key with its first version. */
    static KeyPolicy create(String name, KeyType type, int keySize, Instant now) {
        KeyPolicy p = new KeyPolicy(name, type);
        p.keySize = type == KeyType.HMAC ? (keySize == 0 ? 32 : keySize) : 0;
        p.rotate(now);
        return p;
    }

    /** Adds a new latest version. */
    void rotate(Instant now) {
        int v = latestVersion + 1;
        keys.put(v, generate(v, now));
        latestVersion = v;
    }

    private KeyEntry generate(int version, Instant now) {
        byte[] hmac = randomBytes(32);
        try {
            return switch (type.family()) {
                case AEAD -> new KeyEntry(version, randomBytes(type.size()), null, hmac, now);
                case HMAC -> new KeyEntry(version, randomBytes(keySize), null, hmac, now);
                case ED25519 -> pair(version, KeyPairGenerator.getInstance("Ed25519"), hmac, now);
                case ECDSA -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec(type.curve()), RANDOM);
                    yield pair(version, g, hmac, now);
                }
                case RSA -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(new RSAKeyGenParameterSpec(type.size(), BigInteger.valueOf(65537)), RANDOM);
                    yield pair(version, g, hmac, now);
                }
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("key generation failed for " + type, e);
        }
    }

    private static KeyEntry pair(int version, KeyPairGenerator g, byte[] hmac, Instant now) {
        KeyPair kp = g.generateKeyPair();
        return new KeyEntry(version, kp.getPrivate().getEncoded(), kp.getPublic().getEncoded(), hmac, now);
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The version to encrypt/sign with: 0 means latest; refuses versions below min_encryption_version. */
    KeyEntry encryptionEntry(int requested) {
        int v = requested == 0 ? latestVersion : requested;
        if (requested < 0) throw KeyhavenException.badRequest("requested version for encryption is negative");
        if (v > latestVersion) throw KeyhavenException.badRequest("requested version for encryption is higher than the latest key version");
        if (minEncryptionVersion > 0 && v < minEncryptionVersion)
            throw KeyhavenException.badRequest("requested version for encryption is less than the minimum encryption key version");
        return entry(v);
    }

    /** The version named by a ciphertext or signature: refuses versions the policy no longer allows. */
    KeyEntry decryptionEntry(int v) {
        if (v > latestVersion) throw KeyhavenException.badRequest("invalid ciphertext: version is too new");
        if (minDecryptionVersion > 0 && v < minDecryptionVersion)
            throw KeyhavenException.badRequest("ciphertext or signature version is disallowed by policy (too old)");
        return entry(v);
    }

    KeyEntry entry(int v) {
        KeyEntry e = keys.get(v);
        if (e == null) throw KeyhavenException.badRequest("key version " + v + " is not available (trimmed or never existed)");
        return e;
    }

    /** Whether auto-rotation is due at {@code now}: the period is set and the latest version is at least that old. */
    public boolean rotationDue(Instant now) {
        if (autoRotatePeriodSeconds <= 0) return false;
        KeyEntry latest = keys.get(latestVersion);
        return latest != null && !now.isBefore(latest.creationTime().plusSeconds(autoRotatePeriodSeconds));
    }

    KeyPolicy copy() {
        return fromJson(toJson());
    }

    byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("name", name);
        m.put("type", type.wireName());
        m.put("latest_version", latestVersion);
        m.put("min_decryption_version", minDecryptionVersion);
        m.put("min_encryption_version", minEncryptionVersion);
        m.put("min_available_version", minAvailableVersion);
        m.put("deletion_allowed", deletionAllowed);
        m.put("exportable", exportable);
        m.put("allow_plaintext_backup", allowPlaintextBackup);
        m.put("derived", derived);
        m.put("convergent_encryption", convergent);
        m.put("auto_rotate_period", autoRotatePeriodSeconds);
        m.put("key_size", keySize);
        m.put("jwks_published", jwksPublished);
        m.put("jwt_rsa_algorithm", jwtRsaAlgorithm);
        if (backupTime != null) { m.put("backup_time", backupTime.toString()); m.put("backup_version", backupVersion); }
        if (restoreTime != null) { m.put("restore_time", restoreTime.toString()); m.put("restore_version", restoreVersion); }
        List<Map<String, Object>> ks = new ArrayList<>();
        Base64.Encoder b64 = Base64.getEncoder();
        for (KeyEntry e : keys.values()) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("version", e.version());
            k.put("key", b64.encodeToString(e.keyBytes()));
            k.put("public_key", b64.encodeToString(e.publicKeyDer()));
            k.put("hmac_key", b64.encodeToString(e.hmacKeyBytes()));
            k.put("creation_time", e.creationTime().toString());
            ks.add(k);
        }
        m.put("keys", ks);
        return Json.write(m);
    }

    @SuppressWarnings("unchecked")
    static KeyPolicy fromJson(byte[] json) {
        Map<String, Object> m = Json.read(json, LinkedHashMap.class);
        KeyPolicy p = new KeyPolicy((String) m.get("name"), KeyType.parse((String) m.get("type")));
        p.latestVersion = num(m, "latest_version");
        p.minDecryptionVersion = num(m, "min_decryption_version");
        p.minEncryptionVersion = num(m, "min_encryption_version");
        p.minAvailableVersion = num(m, "min_available_version");
        p.deletionAllowed = Boolean.TRUE.equals(m.get("deletion_allowed"));
        p.exportable = Boolean.TRUE.equals(m.get("exportable"));
        p.allowPlaintextBackup = Boolean.TRUE.equals(m.get("allow_plaintext_backup"));
        p.derived = Boolean.TRUE.equals(m.get("derived"));
        p.convergent = Boolean.TRUE.equals(m.get("convergent_encryption"));
        p.autoRotatePeriodSeconds = ((Number) m.getOrDefault("auto_rotate_period", 0)).longValue();
        p.keySize = num(m, "key_size");
        p.jwksPublished = Boolean.TRUE.equals(m.get("jwks_published"));
        p.jwtRsaAlgorithm = (String) m.getOrDefault("jwt_rsa_algorithm", "RS256");
        if (m.get("backup_time") != null) { p.backupTime = Instant.parse((String) m.get("backup_time")); p.backupVersion = num(m, "backup_version"); }
        if (m.get("restore_time") != null) { p.restoreTime = Instant.parse((String) m.get("restore_time")); p.restoreVersion = num(m, "restore_version"); }
        Base64.Decoder d = Base64.getDecoder();
        for (Map<String, Object> k : (List<Map<String, Object>>) m.get("keys")) {
            int v = num(k, "version");
            p.keys.put(v, new KeyEntry(v, d.decode((String) k.get("key")), d.decode((String) k.get("public_key")),
                    d.decode((String) k.get("hmac_key")), Instant.parse((String) k.get("creation_time"))));
        }
        return p;
    }

    private static int num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? 0 : ((Number) v).intValue();
    }

    @Override
    public String toString() {
        return "KeyPolicy[" + name + ", " + type + ", latest v" + latestVersion + ", material redacted]";
    }
}
