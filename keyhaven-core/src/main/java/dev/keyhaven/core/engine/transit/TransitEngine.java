package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transit secrets engine: encryption as a service, signing, HMAC, hashing and random bytes over named,
 * versioned keys, in Vault's wire format (paths, fields, response bodies, {@code vault:vN:} values), plus the
 * application key ring: {@code jwks/:name} (unauthenticated JWKS of a published asymmetric key) and
 * {@code jwt/sign/:name} (compact JWS signed with the key's current version).
 *
 * <p>Key material lives only in the mount's barrier storage; it leaves the engine only through {@code export/} and
 * {@code backup/} and only when the key allows it.
 */
public final class TransitEngine implements Engine {
    private static final Logger LOG = LoggerFactory.getLogger(TransitEngine.class);
    private static final Pattern NAME = Pattern.compile("\\w(?:[\\w\\-.@]*\\w)?");
    private static final int MAX_RANDOM_BYTES = 128 * 1024;

    private final PolicyStore store;
    private final Clock clock;

    public TransitEngine(EngineContext context) {
        this.store = new PolicyStore(context.storage());
        this.clock = context.clock();
    }

    @Override
    public List<String> unauthenticatedPaths() {
        return List.of("jwks/*");
    }

    /**
     * Like Vault, only {@code encrypt/:name} distinguishes create from update (writing to a missing key creates it,
     * which needs the {@code create} capability); {@code keys/:name} has no existence check, so creating a key needs
     * {@code update}, as Vault policies expect.
     */
    @Override
    public Optional<Boolean> exists(Request request) {
        String[] seg = segments(request.relativePath());
        if (seg.length == 2 && seg[0].equals("encrypt") && validName(seg[1])) {
            return Optional.of(store.get(seg[1]).isPresent());
        }
        return Optional.empty();
    }

    /**
     * Rotates every key whose {@code auto_rotate_period} has elapsed since its latest version was created; called by
     * the rotation scheduler. Returns the names of the keys rotated. Safe on several nodes at once: the due check is
     * repeated inside the compare-and-set, so a key is rotated once per period.
     */
    public List<String> rotateDue(Instant now) {
        List<String> rotated = new ArrayList<>();
        for (String name : store.list()) {
            Optional<KeyPolicy> p = store.get(name);
            if (p.isEmpty() || !p.get().rotationDue(now)) continue;
            boolean[] did = {false};
            try {
                store.update(name, cur -> {
                    did[0] = cur.rotationDue(now);
                    if (did[0]) cur.rotate(now);
                    return cur;
                });
            } catch (KeyhavenException e) {
                LOG.warn("auto-rotation of transit key {} failed: {}", name, e.getMessage());
                continue;
            }
            if (did[0]) rotated.add(name);
        }
        return rotated;
    }

    @Override
    public Response handle(Request req) {
        String[] seg = segments(req.relativePath());
        Operation op = req.operation();
        Fields f = new Fields(req.data());
        if (seg.length == 0) throw unsupported();
        return switch (seg[0]) {
            case "keys" -> keys(req, seg, f);
            case "encrypt" -> write(op, () -> encrypt(name(seg, 1, 2), f, op));
            case "decrypt" -> write(op, () -> decrypt(name(seg, 1, 2), f));
            case "rewrap" -> write(op, () -> rewrap(name(seg, 1, 2), f));
            case "datakey" -> write(op, () -> {
                if (seg.length != 3) throw unsupported();
                return datakey(seg[1], checkName(seg[2]), f);
            });
            case "sign" -> write(op, () -> sign(name(seg, 1, 3), seg.length == 3 ? seg[2] : null, f));
            case "verify" -> write(op, () -> verify(name(seg, 1, 3), seg.length == 3 ? seg[2] : null, f));
            case "hmac" -> write(op, () -> hmac(name(seg, 1, 3), seg.length == 3 ? seg[2] : null, f));
            case "random" -> write(op, () -> random(seg, f));
            case "hash" -> write(op, () -> hash(seg, f));
            case "export" -> {
                if (op != Operation.READ) throw unsupportedOperation();
                if (seg.length < 3 || seg.length > 4) throw unsupported();
                yield export(seg[1], checkName(seg[2]), seg.length == 4 ? seg[3] : null);
            }
            case "backup" -> {
                if (op != Operation.READ) throw unsupportedOperation();
                yield backup(name(seg, 1, 2));
            }
            case "restore" -> write(op, () -> restore(seg.length == 2 ? checkName(seg[1]) : null, f));
            case "jwks" -> {
                if (op != Operation.READ) throw unsupportedOperation();
                yield jwks(name(seg, 1, 2));
            }
            case "jwt" -> {
                if (seg.length != 3 || !seg[1].equals("sign")) throw unsupported();
                yield write(op, () -> jwtSign(checkName(seg[2]), f));
            }
            default -> throw unsupported();
        };
    }

    // ---------------------------------------------------------------- keys

    private Response keys(Request req, String[] seg, Fields f) {
        Operation op = req.operation();
        if (seg.length == 1) {
            if (op != Operation.LIST) throw unsupportedOperation();
            List<String> names = store.list();
            if (names.isEmpty()) throw KeyhavenException.notFound();
            return Response.of(Response.map("keys", names));
        }
        String name = checkName(seg[1]);
        if (seg.length == 2) {
            return switch (op) {
                case READ -> store.get(name).map(p -> Response.of(describe(p))).orElseThrow(KeyhavenException::notFound);
                case CREATE, UPDATE -> createKey(name, f);
                case DELETE -> deleteKey(name);
                default -> throw unsupportedOperation();
            };
        }
        if (seg.length != 3) throw unsupported();
        if (!(op == Operation.CREATE || op == Operation.UPDATE)) throw unsupportedOperation();
        return switch (seg[2]) {
            case "config" -> configure(name, f);
            case "rotate" -> Response.of(describe(store.update(name, p -> {
                p.rotate(clock.instant());
                return p;
            })));
            case "trim" -> trim(name, f);
            default -> throw unsupported();
        };
    }

    private Response createKey(String name, Fields f) {
        KeyType type = KeyType.parse(f.string("type", "aes256-gcm96"));
        boolean derived = f.bool("derived", false);
        boolean convergent = f.bool("convergent_encryption", false);
        checkDerivation(type, derived, convergent);
        long rotate = f.durationSeconds("auto_rotate_period", 0);
        checkRotatePeriod(rotate);
        int keySize = f.integer("key_size", 0);
        if (keySize != 0) {
            if (type != KeyType.HMAC) throw KeyhavenException.badRequest("key_size is not valid for algorithm " + type);
            if (keySize < 32 || keySize > 512) throw KeyhavenException.badRequest("invalid key_size " + keySize);
        }
        if (f.has("managed_key_name") || f.has("managed_key_id")) throw KeyhavenException.badRequest("managed keys are not supported");
        Optional<KeyPolicy> existing = store.get(name);
        if (existing.isPresent()) {
            return Response.of(describe(existing.get())).warning("key " + name + " already existed");
        }
        KeyPolicy p = KeyPolicy.create(name, type, keySize, clock.instant());
        p.exportable = f.bool("exportable", false);
        p.allowPlaintextBackup = f.bool("allow_plaintext_backup", false);
        p.derived = derived;
        p.convergent = convergent;
        p.autoRotatePeriodSeconds = rotate;
        boolean[] created = {false};
        KeyPolicy stored = store.createIfAbsent(p, created);
        Response r = Response.of(describe(stored));
        if (!created[0]) r.warning("key " + name + " already existed");
        else LOG.info("transit key {} created ({})", name, type);
        return r;
    }

    private static void checkDerivation(KeyType type, boolean derived, boolean convergent) {
        if (convergent && !derived) throw KeyhavenException.badRequest("convergent encryption requires derivation to be enabled");
        if (derived && type.family() != KeyType.Family.AEAD) {
            throw KeyhavenException.badRequest("key derivation is supported for aes128-gcm96, aes256-gcm96 and chacha20-poly1305 keys only, not " + type);
        }
    }

    private static void checkRotatePeriod(long seconds) {
        if (seconds != 0 && seconds < 3600) throw KeyhavenException.badRequest("auto rotate period must be 0 to disable or at least an hour");
        if (seconds < 0) throw KeyhavenException.badRequest("auto rotate period cannot be negative");
    }

    private Response deleteKey(String name) {
        KeyPolicy p = store.get(name).orElseThrow(() -> KeyhavenException.badRequest("error deleting policy " + name + ": could not delete key; not found"));
        if (!p.deletionAllowed) throw KeyhavenException.badRequest("error deleting policy " + name + ": deletion is not allowed for this key");
        store.delete(name);
        LOG.info("transit key {} deleted", name);
        return Response.empty();
    }

    private Response configure(String name, Fields f) {
        List<String> warnings = new ArrayList<>();
        KeyPolicy updated = store.update(name, p -> {
            if (f.has("min_decryption_version")) {
                int v = f.integer("min_decryption_version", 0);
                if (v < 0) throw KeyhavenException.badRequest("min decryption version cannot be negative");
                if (v == 0) {
                    v = 1;
                    warnings.add("since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1");
                }
                if (v > p.latestVersion) throw KeyhavenException.badRequest("cannot set min decryption version of " + v + ", latest key version is " + p.latestVersion);
                if (v < p.minAvailableVersion) throw KeyhavenException.badRequest("min decryption version should not be less then min available version");
                p.minDecryptionVersion = v;
            }
            if (f.has("min_encryption_version")) {
                int v = f.integer("min_encryption_version", 0);
                if (v < 0) throw KeyhavenException.badRequest("min encryption version cannot be negative");
                if (v > p.latestVersion) throw KeyhavenException.badRequest("cannot set min encryption version of " + v + ", latest key version is " + p.latestVersion);
                if (v != 0 && v < p.minAvailableVersion) throw KeyhavenException.badRequest("min encryption version should not be less than min available version");
                p.minEncryptionVersion = v;
            }
            if (p.minEncryptionVersion > 0 && p.minEncryptionVersion < p.minDecryptionVersion) {
                throw KeyhavenException.badRequest("cannot set min encryption/decryption values; min encryption version of "
                        + p.minEncryptionVersion + " must be greater than or equal to min decryption version of " + p.minDecryptionVersion);
            }
            if (f.has("deletion_allowed")) p.deletionAllowed = f.bool("deletion_allowed", false);
            if (f.has("exportable")) {
                boolean e = f.bool("exportable", false);
                if (!e && p.exportable) throw KeyhavenException.badRequest("exportable key cannot be made non-exportable");
                p.exportable = e;
            }
            if (f.has("allow_plaintext_backup")) {
                boolean b = f.bool("allow_plaintext_backup", false);
                if (!b && p.allowPlaintextBackup) throw KeyhavenException.badRequest("plaintext backup cannot be disabled once allowed");
                p.allowPlaintextBackup = b;
            }
            if (f.has("auto_rotate_period")) {
                long s = f.durationSeconds("auto_rotate_period", 0);
                checkRotatePeriod(s);
                p.autoRotatePeriodSeconds = s;
            }
            if (f.has("jwt_algorithm")) {
                String alg = f.string("jwt_algorithm", "").toUpperCase(Locale.ROOT);
                if (p.type.family() == KeyType.Family.RSA) {
                    if (!KeyRing.RSA_ALGORITHMS.contains(alg)) throw KeyhavenException.badRequest("jwt_algorithm for RSA keys must be one of RS256, RS384, RS512, PS256, PS384, PS512");
                    p.jwtRsaAlgorithm = alg;
                } else if (!p.type.isAsymmetric() || !KeyRing.algorithm(p).equals(alg)) {
                    throw KeyhavenException.badRequest("jwt_algorithm cannot be chosen for key type " + p.type
                            + (p.type.isAsymmetric() ? " (it is always " + KeyRing.algorithm(p) + ")" : ""));
                }
            }
            if (f.has("jwks_published")) {
                boolean pub = f.bool("jwks_published", false);
                if (pub && !p.type.supportsSigning()) throw KeyhavenException.badRequest("only asymmetric signing keys can be published as a JWKS; " + p.type + " has no public key");
                p.jwksPublished = pub;
            }
            return p;
        });
        Response r = Response.of(describe(updated));
        warnings.forEach(r::warning);
        return r;
    }

    private Response trim(String name, Fields f) {
        if (store.get(name).isEmpty()) throw KeyhavenException.badRequest("invalid key name");
        if (!f.has("min_available_version")) throw KeyhavenException.badRequest("missing min_available_version");
        int min = f.integer("min_available_version", 0);
        KeyPolicy updated = store.update(name, p -> {
            if (min < p.minAvailableVersion) throw KeyhavenException.badRequest("minimum available version cannot be decremented");
            if (p.minEncryptionVersion == 0) throw KeyhavenException.badRequest("minimum available version cannot be set when minimum encryption version is not set");
            if (p.minDecryptionVersion == 0) throw KeyhavenException.badRequest("minimum available version cannot be set when minimum decryption version is not set");
            if (min > p.minEncryptionVersion) throw KeyhavenException.badRequest("minimum available version cannot be greater than minmum encryption version");
            if (min > p.minDecryptionVersion) throw KeyhavenException.badRequest("minimum available version cannot be greater than minimum decryption version");
            if (min <= 0) throw KeyhavenException.badRequest("minimum available version should be positive");
            p.minAvailableVersion = min;
            p.keys.headMap(min, false).clear();
            return p;
        });
        LOG.info("transit key {} trimmed below version {}", name, min);
        return Response.of(describe(updated));
    }

    /** The key read body, field for field as Vault's formatKeyPolicy writes it. */
    private static Map<String, Object> describe(KeyPolicy p) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", p.name);
        d.put("type", p.type.wireName());
        d.put("derived", p.derived);
        d.put("deletion_allowed", p.deletionAllowed);
        d.put("min_available_version", p.minAvailableVersion);
        d.put("min_decryption_version", p.minDecryptionVersion);
        d.put("min_encryption_version", p.minEncryptionVersion);
        d.put("latest_version", p.latestVersion);
        d.put("exportable", p.exportable);
        d.put("allow_plaintext_backup", p.allowPlaintextBackup);
        d.put("supports_encryption", p.type.supportsEncryption());
        d.put("supports_decryption", p.type.supportsDecryption());
        d.put("supports_signing", p.type.supportsSigning());
        d.put("supports_derivation", p.type.supportsDerivation());
        d.put("auto_rotate_period", p.autoRotatePeriodSeconds);
        d.put("imported_key", false);
        if (p.keySize != 0) d.put("key_size", p.keySize);
        if (p.derived) {
            d.put("kdf", "hkdf_sha256");
            d.put("convergent_encryption", p.convergent);
            if (p.convergent) d.put("convergent_encryption_version", 3);
        }
        if (p.backupTime != null) d.put("backup_info", Response.map("time", p.backupTime.toString(), "version", p.backupVersion));
        if (p.restoreTime != null) d.put("restore_info", Response.map("time", p.restoreTime.toString(), "version", p.restoreVersion));
        if (p.type.supportsSigning()) {
            d.put("jwks_published", p.jwksPublished);
            d.put("jwt_algorithm", KeyRing.algorithm(p));
        }
        Map<String, Object> keys = new TreeMap<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)));
        for (KeyEntry e : p.keys.values()) {
            if (p.type.isAsymmetric()) {
                Map<String, Object> k = new LinkedHashMap<>();
                k.put("name", asymName(p.type));
                k.put("public_key", publicKeyString(p, e));
                k.put("certificate_chain", "");
                k.put("creation_time", e.creationTime().toString());
                keys.put(Integer.toString(e.version()), k);
            } else {
                keys.put(Integer.toString(e.version()), e.creationTime().getEpochSecond());
            }
        }
        d.put("keys", new LinkedHashMap<>(keys));
        return d;
    }

    private static String asymName(KeyType t) {
        return switch (t.family()) {
            case ED25519 -> "ed25519";
            case ECDSA -> t.goCurveName();
            default -> t.wireName();
        };
    }

    /** ed25519: base64 of the raw 32-byte key; ECDSA and RSA: PKIX PEM ("PUBLIC KEY"), as Vault and cosign expect. */
    static String publicKeyString(KeyPolicy p, KeyEntry e) {
        if (p.type.family() == KeyType.Family.ED25519) return Base64.getEncoder().encodeToString(Der.spkiKeyBits(e.publicKeyDer()));
        return Der.pem("PUBLIC KEY", e.publicKeyDer());
    }

    // ---------------------------------------------------------------- encrypt / decrypt / rewrap / datakey

    private KeyPolicy requireKey(String name, String missing) {
        return store.get(name).orElseThrow(() -> KeyhavenException.badRequest(missing));
    }

    private Response encrypt(String name, Fields f, Operation op) {
        Optional<List<Map<String, Object>>> batch = f.batch();
        if (batch.isEmpty() && !f.has("plaintext")) throw KeyhavenException.badRequest("missing plaintext to encrypt");
        boolean contextSet = checkContextAndNonce(f, batch);
        Optional<KeyPolicy> existing = store.get(name);
        KeyPolicy p;
        boolean upserted = false;
        if (existing.isPresent()) {
            p = existing.get();
        } else {
            KeyType type = KeyType.parse(f.string("type", "aes256-gcm96"));
            if (!type.supportsEncryption()) throw KeyhavenException.badRequest("key type " + type + " not supported for this operation");
            boolean convergent = f.bool("convergent_encryption", false);
            if (convergent && !contextSet) throw KeyhavenException.badRequest("convergent encryption requires derivation to be enabled, so context is required");
            checkDerivation(type, contextSet, convergent);
            KeyPolicy fresh = KeyPolicy.create(name, type, 0, clock.instant());
            fresh.derived = contextSet;
            fresh.convergent = convergent;
            boolean[] created = {false};
            p = store.createIfAbsent(fresh, created);
            upserted = created[0];
        }
        if (!p.type.supportsEncryption()) throw KeyhavenException.badRequest("key type " + p.type + " does not support encryption");
        final KeyPolicy key = p;
        Response r = runBatch(f, batch, item -> {
            Fields it = new Fields(item);
            String pt = it.string("plaintext", null);
            if (pt == null) throw KeyhavenException.badRequest("missing plaintext to encrypt");
            KeyEntry e = key.encryptionEntry(it.integer("key_version", 0));
            String ct = TransitCrypto.encrypt(key, e, TransitCrypto.b64(pt, "plaintext"), aad(it), context(it));
            return Response.map("ciphertext", ct, "key_version", e.version());
        });
        if (existing.isEmpty() && !upserted) r.warning("Attempted creation of the key during the encrypt operation, but it was created beforehand");
        return r;
    }

    /**
     * Vault's rules: context is given in every item or in none; a caller-chosen nonce is refused (only Vault's
     * legacy convergent v1 keys took one, and this server never creates those). Returns whether context is set.
     */
    private static boolean checkContextAndNonce(Fields f, Optional<List<Map<String, Object>>> batch) {
        List<Map<String, Object>> items = batch.orElseGet(() -> List.of(topLevelAll(f)));
        boolean first = hasText(items.get(0).get("context"));
        for (Map<String, Object> i : items) {
            if (hasText(i.get("context")) != first) throw KeyhavenException.badRequest("context should be set either in all the request blocks or in none");
            if (hasText(i.get("nonce"))) throw KeyhavenException.badRequest("provided nonce not allowed for this key");
        }
        return first;
    }

    private static boolean hasText(Object o) {
        return o != null && !"".equals(o);
    }

    private static byte[] context(Fields it) {
        String c = it.string("context", null);
        return c == null || c.isEmpty() ? null : TransitCrypto.b64(c, "context");
    }

    private static byte[] aad(Fields it) {
        String a = it.string("associated_data", null);
        return a == null || a.isEmpty() ? null : TransitCrypto.b64(a, "associated_data");
    }

    private Response decrypt(String name, Fields f) {
        Optional<List<Map<String, Object>>> batch = f.batch();
        if (batch.isEmpty() && !f.has("ciphertext")) throw KeyhavenException.badRequest("missing ciphertext to decrypt");
        checkContextAndNonce(f, batch);
        KeyPolicy p = requireKey(name, "encryption key not found");
        if (!p.type.supportsDecryption()) throw KeyhavenException.badRequest("key type " + p.type + " does not support decryption");
        return runBatch(f, batch, item -> {
            Fields it = new Fields(item);
            String ct = it.string("ciphertext", null);
            if (ct == null || ct.isEmpty()) throw KeyhavenException.badRequest("missing ciphertext to decrypt");
            byte[] plain = TransitCrypto.decrypt(p, ct, aad(it), context(it));
            return Response.map("plaintext", Base64.getEncoder().encodeToString(plain));
        });
    }

    private Response rewrap(String name, Fields f) {
        Optional<List<Map<String, Object>>> batch = f.batch();
        if (batch.isEmpty() && !f.has("ciphertext")) throw KeyhavenException.badRequest("missing ciphertext to decrypt");
        checkContextAndNonce(f, batch);
        KeyPolicy p = requireKey(name, "encryption key not found");
        if (!p.type.supportsEncryption()) throw KeyhavenException.badRequest("key type " + p.type + " does not support encryption");
        int topVersion = f.integer("key_version", 0);
        return runBatch(f, batch, item -> {
            Fields it = new Fields(item);
            String ct = it.string("ciphertext", null);
            if (ct == null || ct.isEmpty()) throw KeyhavenException.badRequest("missing ciphertext to decrypt");
            byte[] aad = aad(it);
            byte[] ctx = context(it);
            byte[] plain = TransitCrypto.decrypt(p, ct, aad, ctx);
            KeyEntry e = p.encryptionEntry(it.integer("key_version", topVersion));
            return Response.map("ciphertext", TransitCrypto.encrypt(p, e, plain, aad, ctx), "key_version", e.version());
        });
    }

    private Response datakey(String kind, String name, Fields f) {
        if (!kind.equals("plaintext") && !kind.equals("wrapped")) throw KeyhavenException.badRequest("invalid path: datakey type must be \"plaintext\" or \"wrapped\"");
        checkContextAndNonce(f, Optional.empty());
        int bits = f.integer("bits", 256);
        if (bits != 128 && bits != 256 && bits != 512) throw KeyhavenException.badRequest("invalid bits length");
        KeyPolicy p = requireKey(name, "encryption key not found");
        if (!p.type.supportsEncryption()) throw KeyhavenException.badRequest("key type " + p.type + " does not support encryption");
        KeyEntry e = p.encryptionEntry(f.integer("key_version", 0));
        byte[] dk = KeyPolicy.randomBytes(bits / 8);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("ciphertext", TransitCrypto.encrypt(p, e, dk, aad(f), context(f)));
        d.put("key_version", e.version());
        if (kind.equals("plaintext")) d.put("plaintext", Base64.getEncoder().encodeToString(dk));
        return Response.of(d);
    }

    // ---------------------------------------------------------------- sign / verify / hmac

    private TransitCrypto.SignOptions signOptions(KeyPolicy p, String urlAlgorithm, Fields f) {
        String hashName = urlAlgorithm != null ? urlAlgorithm : f.string("hash_algorithm", f.string("algorithm", "sha2-256"));
        if (hashName.isEmpty()) hashName = "sha2-256";
        HashAlgorithm hash = HashAlgorithm.parse(hashName);
        String marshaling = f.string("marshaling_algorithm", "asn1");
        if (marshaling.isEmpty()) marshaling = "asn1";
        if (!marshaling.equals("asn1") && !marshaling.equals("jws")) throw KeyhavenException.badRequest("invalid marshaling type \"" + marshaling + "\"");
        boolean jws = marshaling.equals("jws");
        if (jws && p.type.family() != KeyType.Family.ECDSA && p.type.family() != KeyType.Family.RSA && p.type.family() != KeyType.Family.ED25519) {
            throw KeyhavenException.badRequest("invalid marshaling type \"jws\" for key type " + p.type);
        }
        String sigAlg = f.string("signature_algorithm", "");
        if (sigAlg.isEmpty()) sigAlg = "pss";
        if (p.type.family() == KeyType.Family.RSA && !sigAlg.equals("pss") && !sigAlg.equals("pkcs1v15")) {
            throw KeyhavenException.badRequest("unsupported rsa signature algorithm " + sigAlg);
        }
        int salt = Pss.AUTO;
        String saltRaw = f.string("salt_length", "auto");
        if (saltRaw.equals("hash")) salt = hash.length;
        else if (!saltRaw.equals("auto") && !saltRaw.isEmpty()) salt = Fields.toInt("salt_length", saltRaw);
        return new TransitCrypto.SignOptions(hash, f.bool("prehashed", false), sigAlg, jws, salt);
    }

    private static String encodeSig(byte[] sig, boolean jws) {
        return jws ? Base64.getUrlEncoder().withoutPadding().encodeToString(sig) : Base64.getEncoder().encodeToString(sig);
    }

    private static byte[] decodeSig(String s, boolean jws) {
        try {
            return jws ? Base64.getUrlDecoder().decode(s) : Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest("invalid base64 signature value");
        }
    }

    private Response sign(String name, String urlAlgorithm, Fields f) {
        Optional<List<Map<String, Object>>> batch = f.batch();
        KeyPolicy p = requireKey(name, "signing key not found");
        if (!p.type.supportsSigning()) throw KeyhavenException.badRequest("key type " + p.type + " does not support signing");
        TransitCrypto.SignOptions o = signOptions(p, urlAlgorithm, f);
        int version = f.integer("key_version", 0);
        return runBatch(f, batch, item -> {
            Fields it = new Fields(item);
            byte[] input = TransitCrypto.b64(it.string("input", ""), "input");
            KeyEntry e = signingEntry(p, version);
            String sig = TransitCrypto.prefix(e.version()) + encodeSig(TransitCrypto.signRaw(p, e, input, o), o.jws());
            return Response.map("signature", sig, "key_version", e.version());
        });
    }

    private static KeyEntry signingEntry(KeyPolicy p, int version) {
        if (version < 0) throw KeyhavenException.badRequest("requested version for signing is negative");
        if (version > p.latestVersion) throw KeyhavenException.badRequest("requested version for signing is higher than the latest key version");
        int v = version == 0 ? p.latestVersion : version;
        if (p.minEncryptionVersion > 0 && v < p.minEncryptionVersion)
            throw KeyhavenException.badRequest("requested version for signing is less than the minimum encryption key version");
        return p.entry(v);
    }

    private Response verify(String name, String urlAlgorithm, Fields f) {
        Optional<List<Map<String, Object>>> batch = f.batch();
        boolean sigFound = false;
        boolean hmacFound = false;
        boolean missing = false;
        List<Map<String, Object>> items = batch.orElseGet(() -> List.of(f.has("signature") || f.has("hmac") ? topLevel(f) : Map.of()));
        for (Map<String, Object> i : items) {
            if (i.get("signature") != null) sigFound = true;
            else if (i.get("hmac") != null) hmacFound = true;
            else missing = true;
        }
        if (batch.isEmpty() && f.has("signature") && f.has("hmac")) throw KeyhavenException.badRequest("provide one of 'signature' or 'hmac'");
        if (batch.isEmpty() && !sigFound && !hmacFound) throw KeyhavenException.badRequest("neither a 'signature' nor an 'hmac' were given to verify");
        if (sigFound && hmacFound) throw KeyhavenException.badRequest("elements of batch_input must all provide 'signature' or all provide 'hmac'");
        if (missing && sigFound) throw KeyhavenException.badRequest("some elements of batch_input are missing 'signature'");
        if (missing && hmacFound) throw KeyhavenException.badRequest("some elements of batch_input are missing 'hmac'");
        if (missing) throw KeyhavenException.badRequest("no batch_input elements have 'signature' or 'hmac'");
        if (hmacFound) return hmacVerify(name, urlAlgorithm, f, batch);
        KeyPolicy p = requireKey(name, "signature verification key not found");
        if (!p.type.supportsSigning()) throw KeyhavenException.badRequest("key type " + p.type + " does not support verification");
        TransitCrypto.SignOptions o = signOptions(p, urlAlgorithm, f);
        return runBatch(f, batch, item -> {
            Fields it = new Fields(item);
            byte[] input = TransitCrypto.b64(it.string("input", ""), "input");
            TransitCrypto.Versioned v = TransitCrypto.parse(it.string("signature", ""), "signature");
            if (v.version() > p.latestVersion) throw KeyhavenException.badRequest("invalid signature: version is too new");
            KeyEntry e = p.decryptionEntry(v.version());
            boolean ok = TransitCrypto.verifyRaw(p, e, input, decodeSig(v.payload(), o.jws()), o);
            return Response.map("valid", ok);
        });
    }

    private static Map<String, Object> topLevel(Fields f) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : List.of("input", "signature", "hmac", "context")) if (f.has(k)) m.put(k, f.raw(k));
        return m;
    }

    private Response hmac(String name, String urlAlgorithm, Fields f) {
        Optional<List<Map<String, Object>>> batch = f.batch();
        if (batch.isEmpty() && !f.has("input")) throw KeyhavenException.badRequest("missing input for HMAC");
        KeyPolicy p = requireKey(name, "encryption key not found");
        HashAlgorithm h = hmacAlgorithm(urlAlgorithm, f);
        int version = f.integer("key_version", 0);
        return runBatch(f, batch, item -> {
            Fields it = new Fields(item);
            if (!it.has("input")) throw KeyhavenException.badRequest("missing input for HMAC");
            byte[] input = TransitCrypto.b64(it.string("input", ""), "input");
            if (version < 0 || version > p.latestVersion) throw KeyhavenException.badRequest("invalid key version");
            int v = version == 0 ? p.latestVersion : version;
            if (p.minEncryptionVersion > 0 && v < p.minEncryptionVersion) throw KeyhavenException.badRequest("cannot generate HMAC: version is too old (disallowed by policy)");
            KeyEntry e = p.entry(v);
            byte[] mac = TransitCrypto.hmac(p, e, h, input);
            return Response.map("hmac", TransitCrypto.prefix(v) + Base64.getEncoder().encodeToString(mac), "key_version", v);
        });
    }

    private static HashAlgorithm hmacAlgorithm(String urlAlgorithm, Fields f) {
        String a = urlAlgorithm != null ? urlAlgorithm : f.string("algorithm", f.string("hash_algorithm", "sha2-256"));
        return HashAlgorithm.parse(a.isEmpty() ? "sha2-256" : a);
    }

    private Response hmacVerify(String name, String urlAlgorithm, Fields f, Optional<List<Map<String, Object>>> batch) {
        KeyPolicy p = requireKey(name, "encryption key not found");
        HashAlgorithm h = hmacAlgorithm(urlAlgorithm, f);
        return runBatch(f, batch, item -> {
            Fields it = new Fields(item);
            byte[] input = TransitCrypto.b64(it.string("input", ""), "input");
            TransitCrypto.Versioned v = TransitCrypto.parse(it.string("hmac", ""), "hmac");
            if (v.version() > p.latestVersion) throw KeyhavenException.badRequest("invalid HMAC: version is too new");
            if (p.minDecryptionVersion > 0 && v.version() < p.minDecryptionVersion)
                throw KeyhavenException.badRequest("cannot verify HMAC: version is too old (disallowed by policy)");
            byte[] given = TransitCrypto.b64(v.payload(), "hmac");
            byte[] mac = TransitCrypto.hmac(p, p.entry(v.version()), h, input);
            return Response.map("valid", TransitCrypto.constantTimeEquals(mac, given));
        });
    }

    // ---------------------------------------------------------------- random / hash

    private Response random(String[] seg, Fields f) {
        int bytes = f.integer("bytes", 32);
        String format = f.string("format", "base64");
        for (int i = 1; i < seg.length; i++) {
            String s = seg[i];
            if (s.equals("platform") || s.equals("seal") || s.equals("all")) continue; // all sources are the JDK's SecureRandom
            if (s.matches("\\d{1,9}")) bytes = Integer.parseInt(s);
            else throw KeyhavenException.badRequest("invalid source or byte count \"" + s + "\"");
        }
        if (bytes < 1) throw KeyhavenException.badRequest("missing or invalid number of bytes");
        if (bytes > MAX_RANDOM_BYTES) throw KeyhavenException.badRequest("the number of bytes requested is too large");
        byte[] r = KeyPolicy.randomBytes(bytes);
        return Response.of(Response.map("random_bytes", encode(r, format)));
    }

    private Response hash(String[] seg, Fields f) {
        if (seg.length > 2) throw unsupported();
        if (!f.has("input")) throw KeyhavenException.badRequest("missing input");
        HashAlgorithm h = HashAlgorithm.parse(seg.length == 2 ? seg[1] : f.string("algorithm", "sha2-256"));
        if (h == HashAlgorithm.NONE) throw KeyhavenException.badRequest("unsupported algorithm none");
        String format = f.string("format", "hex");
        byte[] input = TransitCrypto.b64(f.string("input", ""), "input");
        return Response.of(Response.map("sum", encode(h.digest(input), format)));
    }

    private static String encode(byte[] b, String format) {
        return switch (format) {
            case "hex" -> HexFormat.of().formatHex(b);
            case "base64", "" -> Base64.getEncoder().encodeToString(b);
            default -> throw KeyhavenException.badRequest("unsupported encoding format " + format + "; must be \"hex\" or \"base64\"");
        };
    }

    // ---------------------------------------------------------------- export / backup / restore

    private Response export(String exportType, String name, String version) {
        KeyPolicy p = store.get(name).orElseThrow(KeyhavenException::notFound);
        switch (exportType) {
            case "encryption-key" -> {
                if (!p.type.supportsEncryption()) throw KeyhavenException.badRequest("encryption key not supported by the key type " + p.type);
            }
            case "signing-key" -> {
                if (!p.type.supportsSigning()) throw KeyhavenException.badRequest("signing not supported by the key type " + p.type);
            }
            case "hmac-key" -> { }
            case "public-key" -> {
                if (!p.type.isAsymmetric()) throw KeyhavenException.badRequest("public key not available for the key type " + p.type);
            }
            default -> throw KeyhavenException.badRequest("invalid export type: " + exportType);
        }
        if (!exportType.equals("public-key") && !p.exportable) throw KeyhavenException.badRequest("private key material is not exportable");
        Map<String, Object> keys = new LinkedHashMap<>();
        if (version == null || version.isEmpty()) {
            for (KeyEntry e : p.keys.values()) {
                if (e.version() < p.minDecryptionVersion) continue;
                keys.put(Integer.toString(e.version()), exportValue(p, e, exportType));
            }
        } else {
            int v;
            if (version.equals("latest")) v = p.latestVersion;
            else v = Fields.toInt("version", version);
            if (v <= 0 || v > p.latestVersion) throw KeyhavenException.badRequest("invalid key version");
            if (v < p.minDecryptionVersion) throw KeyhavenException.badRequest("version for export is below minimum decryption version");
            keys.put(Integer.toString(v), exportValue(p, p.entry(v), exportType));
        }
        LOG.info("transit key {} exported ({})", name, exportType);
        return Response.of(Response.map("name", p.name, "type", p.type.wireName(), "keys", keys));
    }

    private static String exportValue(KeyPolicy p, KeyEntry e, String exportType) {
        Base64.Encoder b64 = Base64.getEncoder();
        return switch (exportType) {
            case "hmac-key" -> b64.encodeToString(p.type == KeyType.HMAC ? e.keyBytes() : e.hmacKeyBytes());
            case "public-key" -> publicKeyString(p, e);
            default -> switch (p.type.family()) {
                case AEAD, HMAC -> b64.encodeToString(e.keyBytes());
                case ED25519 -> b64.encodeToString(Der.concat(Der.ed25519Seed(e.keyBytes()), Der.spkiKeyBits(e.publicKeyDer())));
                case ECDSA -> Der.pem("EC PRIVATE KEY", Der.sec1((ECPrivateKey) e.privateKey(p.type), p.type, e.publicKeyDer()));
                case RSA -> Der.pem("RSA PRIVATE KEY", Der.pkcs8Inner(e.keyBytes()));
            };
        };
    }

    private Response backup(String name) {
        KeyPolicy p = store.get(name).orElseThrow(() -> KeyhavenException.badRequest("key \"" + name + "\" not found"));
        if (!p.allowPlaintextBackup || !p.exportable) {
            throw KeyhavenException.badRequest("backup of key " + name + " is not allowed: the key must have exportable and allow_plaintext_backup set");
        }
        Instant now = clock.instant();
        KeyPolicy updated = store.update(name, cur -> {
            cur.backupTime = now;
            cur.backupVersion = cur.latestVersion;
            return cur;
        });
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("keyhaven_transit_backup", 1);
        doc.put("policy", Base64.getEncoder().encodeToString(updated.toJson()));
        LOG.info("transit key {} backed up", name);
        return Response.of(Response.map("backup", Base64.getEncoder().encodeToString(Json.write(doc))));
    }

    private Response restore(String pathName, Fields f) {
        String b = f.string("backup", "");
        if (b.isEmpty()) throw KeyhavenException.badRequest("'backup' must be supplied");
        KeyPolicy restored;
        try {
            Map<String, Object> doc = Json.parseObject(Base64.getDecoder().decode(b));
            if (!Integer.valueOf(1).equals(doc.get("keyhaven_transit_backup")) || !(doc.get("policy") instanceof String s)) throw new IllegalArgumentException();
            restored = KeyPolicy.fromJson(Base64.getDecoder().decode(s));
        } catch (RuntimeException e) {
            throw KeyhavenException.badRequest("failed to restore the key: the backup is not a transit key backup written by this server");
        }
        String name = pathName == null || pathName.isEmpty() ? checkName(restored.name) : pathName;
        KeyPolicy target = restored.name.equals(name) ? restored : renamed(restored, name);
        target.restoreTime = clock.instant();
        target.restoreVersion = target.latestVersion;
        boolean force = f.bool("force", false);
        if (!force) {
            boolean[] created = {false};
            store.createIfAbsent(target, created);
            if (!created[0]) throw KeyhavenException.badRequest("key \"" + name + "\" already exists");
        } else {
            store.put(target);
        }
        LOG.info("transit key {} restored", name);
        return Response.empty();
    }

    private static KeyPolicy renamed(KeyPolicy p, String name) {
        KeyPolicy c = new KeyPolicy(name, p.type);
        KeyPolicy src = KeyPolicy.fromJson(p.toJson());
        c.keys.putAll(src.keys);
        c.latestVersion = src.latestVersion;
        c.minDecryptionVersion = src.minDecryptionVersion;
        c.minEncryptionVersion = src.minEncryptionVersion;
        c.minAvailableVersion = src.minAvailableVersion;
        c.deletionAllowed = src.deletionAllowed;
        c.exportable = src.exportable;
        c.allowPlaintextBackup = src.allowPlaintextBackup;
        c.derived = src.derived;
        c.convergent = src.convergent;
        c.autoRotatePeriodSeconds = src.autoRotatePeriodSeconds;
        c.keySize = src.keySize;
        c.jwksPublished = src.jwksPublished;
        c.jwtRsaAlgorithm = src.jwtRsaAlgorithm;
        c.backupTime = src.backupTime;
        c.backupVersion = src.backupVersion;
        return c;
    }

    // ---------------------------------------------------------------- key ring: JWKS and JWT signing

    private Response jwks(String name) {
        KeyPolicy p = store.get(name).orElseThrow(KeyhavenException::notFound);
        if (!p.jwksPublished || !p.type.supportsSigning()) throw KeyhavenException.notFound();
        return Response.raw(200, KeyRing.jwks(p));
    }

    private Response jwtSign(String name, Fields f) {
        KeyPolicy p = requireKey(name, "signing key not found");
        if (!p.type.supportsSigning()) throw KeyhavenException.badRequest("key type " + p.type + " cannot sign JWTs (an asymmetric signing key is needed)");
        Map<String, Object> claims = new LinkedHashMap<>(f.object("claims").orElseThrow(() -> KeyhavenException.badRequest("missing claims (a JSON object)")));
        Map<String, Object> header = f.object("header").orElse(Map.of());
        KeyEntry e = signingEntry(p, f.integer("key_version", 0));
        if (f.has("ttl")) {
            long ttl = f.durationSeconds("ttl", 0);
            if (ttl <= 0) throw KeyhavenException.badRequest("ttl must be positive");
            long now = clock.instant().getEpochSecond();
            claims.put("iat", now);
            claims.put("exp", now + ttl);
        }
        String token = KeyRing.sign(p, e, header, claims);
        return Response.of(Response.map("token", token, "kid", KeyRing.kid(p, e.version()), "key_version", e.version()));
    }

    // ---------------------------------------------------------------- plumbing

    /** One item's work in a (possibly batched) request. */
    private interface Item {
        Map<String, Object> apply(Map<String, Object> item);
    }

    /**
     * Runs the single request or each batch item. A single request's error is the response's error; batch items
     * fail independently: each gets {@code error}, and if any failed the response is 400 with all results (Vault).
     */
    private static Response runBatch(Fields f, Optional<List<Map<String, Object>>> batch, Item work) {
        if (batch.isEmpty()) return Response.of(work.apply(topLevelAll(f)));
        List<Map<String, Object>> results = new ArrayList<>();
        boolean failed = false;
        for (Map<String, Object> item : batch.get()) {
            Map<String, Object> r;
            try {
                r = new LinkedHashMap<>(work.apply(item));
            } catch (KeyhavenException e) {
                if (e.code().httpStatus() >= 500) throw e;
                r = new LinkedHashMap<>();
                r.put("error", String.join("; ", e.errors()));
                failed = true;
            }
            Object ref = item.get("reference");
            if (ref != null) r.put("reference", ref.toString());
            results.add(r);
        }
        Response resp = Response.of(Response.map("batch_results", results));
        if (failed) {
            int code = 400;
            if (f.has("partial_failure_response_code") && results.stream().anyMatch(r -> !r.containsKey("error"))) {
                int c = f.integer("partial_failure_response_code", 400);
                if (c >= 1 && c <= 599) code = c;
            }
            resp.status(code);
        }
        return resp;
    }

    private static Map<String, Object> topLevelAll(Fields f) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : List.of("plaintext", "ciphertext", "input", "signature", "hmac", "context", "nonce", "key_version", "associated_data", "reference")) {
            if (f.has(k)) m.put(k, f.raw(k));
        }
        return m;
    }

    private interface Handler {
        Response run();
    }

    private static Response write(Operation op, Handler h) {
        if (op != Operation.CREATE && op != Operation.UPDATE) throw unsupportedOperation();
        return h.run();
    }

    private static String[] segments(String relativePath) {
        String p = relativePath == null ? "" : relativePath;
        // Tolerant of empty segments (Go clients clean paths with path.Join before sending; the edge refuses "//").
        List<String> out = new ArrayList<>();
        for (String s : p.split("/")) if (!s.isEmpty()) out.add(s);
        return out.toArray(new String[0]);
    }

    private static String name(String[] seg, int index, int maxSegments) {
        if (seg.length <= index || seg.length > maxSegments) throw unsupported();
        return checkName(seg[index]);
    }

    private static boolean validName(String name) {
        return NAME.matcher(name).matches() && name.getBytes(StandardCharsets.UTF_8).length <= 256;
    }

    private static String checkName(String name) {
        if (!validName(name)) throw KeyhavenException.badRequest("invalid key name: use letters, digits, '_', '-', '.' and '@' (not at the ends)");
        return name;
    }

    /** A path this engine does not serve: 404, as Vault answers. */
    private static KeyhavenException unsupported() {
        return new KeyhavenException(ErrorCode.NOT_FOUND, "1 error occurred:\n\t* unsupported path\n\n");
    }

    /** A known path with an operation it does not take: 405. */
    private static KeyhavenException unsupportedOperation() {
        return new KeyhavenException(ErrorCode.UNSUPPORTED_OPERATION, "1 error occurred:\n\t* unsupported operation\n\n");
    }
}
