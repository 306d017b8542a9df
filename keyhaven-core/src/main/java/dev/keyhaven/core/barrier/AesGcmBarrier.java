package dev.keyhaven.core.barrier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageException;
import dev.keyhaven.core.storage.StorageKeys;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.util.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encryption barrier: a {@link Storage} that seals every value with AES-256-GCM before it reaches the physical
 * store, and opens it on the way back. Nothing below this class sees plaintext.
 *
 * <p>Value format: {@code version (1 byte = 1) | term (uint32, big-endian) | nonce (12 random bytes) | ciphertext+tag}.
 * The AAD is the value's full physical storage path (UTF-8), so a ciphertext copied to another path fails to open.
 * Keys (paths) are stored in clear, as in Vault: they are needed for ordering and listing.
 *
 * <p>The keyring lives at {@value #KEYRING_PATH}, sealed under the root key (term 0 in the header). While sealed
 * (no keyring in memory) every operation fails with 503 {@code Keyhaven is sealed}.
 */
public final class AesGcmBarrier implements Storage {
    public static final String KEYRING_PATH = "core/keyring";
    /** Paths under the barrier that belong to the physical layer (never encrypted by keyring terms). */
    public static final String SEAL_CONFIG_PATH = "core/seal-config";

    private static final byte VERSION = 1;
    private static final int HEADER = 1 + 4 + 12;
    private static final int TAG_BITS = 128;
    private static final int ROOT_TERM = 0;

    private final Storage physical;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Object lock = new Object();
    private volatile Keyring keyring; // null = sealed
    private volatile byte[] rootKey;
    private final AtomicLong encryptions = new AtomicLong();

    public AesGcmBarrier(Storage physical, Clock clock) {
        this.physical = physical;
        this.clock = clock;
    }

    // ------------------------------------------------------------ lifecycle

    /** Whether a keyring exists in the physical store. */
    public boolean isInitialized() {
        return physical.get(KEYRING_PATH).isPresent();
    }

    public boolean isSealed() {
        return keyring == null;
    }

    /**
     * A new keyring (term 1) sealed under {@code rootKey}, for the caller to store at {@link #KEYRING_PATH} (together
     * with the seal config, atomically). Leaves the barrier sealed.
     */
    public byte[] createKeyring(byte[] rootKey) {
        checkRootKey(rootKey);
        Keyring ring = new Keyring(List.of(new Keyring.Term(1, randomKey(), clock.instant())));
        return encrypt(rootKey, ROOT_TERM, KEYRING_PATH, serialize(ring));
    }

    /**
     * Opens the keyring with {@code rootKey}. Throws {@link InvalidRootKeyException} when the key does not open it
     * (a wrong key never partially unseals).
     */
    public void unseal(byte[] rootKey) {
        checkRootKey(rootKey);
        synchronized (lock) {
            if (keyring != null) return;
            byte[] sealed = physical.get(KEYRING_PATH).orElseThrow(() -> new KeyhavenException(ErrorCode.BAD_REQUEST, "Keyhaven is not initialized"));
            byte[] plain = decrypt(rootKey, KEYRING_PATH, sealed, true);
            Keyring ring = deserialize(plain);
            Arrays.fill(plain, (byte) 0);
            this.rootKey = rootKey.clone();
            this.keyring = ring;
            this.encryptions.set(0);
        }
    }

    /** Forgets every key held in memory. */
    public void seal() {
        synchronized (lock) {
            Keyring ring = keyring;
            keyring = null;
            if (ring != null) ring.wipe();
            byte[] rk = rootKey;
            rootKey = null;
            if (rk != null) Arrays.fill(rk, (byte) 0);
        }
    }

    /** Adds a new term; new values are encrypted under it, old values keep opening with their own term. */
    public Keyring.Term rotate() {
        synchronized (lock) {
            Keyring ring = requireKeyring();
            byte[] rk = rootKey;
            byte[] current = physical.get(KEYRING_PATH).orElseThrow(() -> new StorageException(ErrorCode.INTERNAL, "keyring missing from storage"));
            Keyring next = ring.withNewTerm(randomKey(), clock.instant());
            byte[] sealed = encrypt(rk, ROOT_TERM, KEYRING_PATH, serialize(next));
            if (!physical.compareAndSet(KEYRING_PATH, current, sealed)) {
                throw new StorageException(ErrorCode.CONFLICT, "the keyring changed concurrently; retry the rotation");
            }
            keyring = next;
            encryptions.set(0);
            return next.active();
        }
    }

    /** The active term, its install time, and the number of encryptions under it since unseal. */
    public KeyStatus keyStatus() {
        Keyring ring = requireKeyring();
        return new KeyStatus(ring.active().term(), ring.active().installTime(), encryptions.get());
    }

    /** Status of the active barrier key. */
    public record KeyStatus(int term, Instant installTime, long encryptions) {}

    // ------------------------------------------------------------ Storage

    @Override
    public Optional<byte[]> get(String key) {
        checkKey(key);
        Keyring ring = requireKeyring();
        Optional<byte[]> raw = physical.get(key);
        if (raw.isEmpty()) return Optional.empty();
        return Optional.of(open(ring, key, raw.get()));
    }

    @Override
    public void put(String key, byte[] value) {
        checkKey(key);
        physical.put(key, seal(requireKeyring(), key, value));
    }

    @Override
    public void delete(String key) {
        checkKey(key);
        requireKeyring();
        physical.delete(key);
    }

    @Override
    public List<String> list(String prefix) {
        StorageKeys.validatePrefix(prefix);
        requireKeyring();
        return physical.list(prefix);
    }

    @Override
    public void batch(List<StorageOp> ops) {
        Keyring ring = requireKeyring();
        List<StorageOp> sealed = new ArrayList<>(ops.size());
        for (StorageOp op : ops) {
            checkKey(op.key());
            sealed.add(op.isDelete() ? op : StorageOp.put(op.key(), seal(ring, op.key(), op.value())));
        }
        physical.batch(sealed);
    }

    @Override
    public boolean compareAndSet(String key, byte[] expected, byte[] value) {
        checkKey(key);
        while (true) {
            Keyring ring = requireKeyring();
            Optional<byte[]> currentRaw = physical.get(key);
            byte[] currentPlain = currentRaw.map(c -> open(ring, key, c)).orElse(null);
            boolean matches = expected == null ? currentPlain == null : currentPlain != null && Arrays.equals(currentPlain, expected);
            if (!matches) return false;
            byte[] next = value == null ? null : seal(ring, key, value);
            if (physical.compareAndSet(key, currentRaw.orElse(null), next)) return true;
            // the ciphertext changed underneath: re-read and compare plaintexts again
        }
    }

    /** The barrier does not own the physical store; the core closes it. */
    @Override
    public void close() {
        seal();
    }

    // ------------------------------------------------------------ crypto

    private byte[] seal(Keyring ring, String path, byte[] plain) {
        Keyring.Term t = ring.active();
        byte[] out = encrypt(t.key(), t.term(), path, plain);
        encryptions.incrementAndGet();
        return out;
    }

    private byte[] open(Keyring ring, String path, byte[] sealed) {
        if (sealed.length < HEADER + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new StorageException(ErrorCode.INTERNAL, "stored value at " + path + " is not a barrier ciphertext");
        }
        int term = ByteBuffer.wrap(sealed, 1, 4).getInt();
        Keyring.Term t = ring.term(term).orElseThrow(() -> new StorageException(ErrorCode.INTERNAL, "stored value at " + path + " uses unknown key term " + term));
        return decrypt(t.key(), path, sealed, false);
    }

    /**
     * One cipher per thread: the JDK's AES keeps the expanded key of the last key it was given, so reusing the cipher
     * for the same term skips the key schedule on every value. Nonces come from a per-thread DRBG (no shared lock).
     */
    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable", e);
        }
    });
    private static final ThreadLocal<SecureRandom> NONCES = ThreadLocal.withInitial(AesGcmBarrier::newDrbg);

    private static SecureRandom newDrbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (GeneralSecurityException e) {
            return new SecureRandom();
        }
    }

    private byte[] encrypt(byte[] key, int term, String path, byte[] plain) {
        byte[] nonce = new byte[12];
        NONCES.get().nextBytes(nonce);
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(path.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[HEADER + c.getOutputSize(plain.length)];
            out[0] = VERSION;
            ByteBuffer.wrap(out, 1, 4).putInt(term);
            System.arraycopy(nonce, 0, out, 5, 12);
            c.doFinal(plain, 0, plain.length, out, HEADER);
            return out;
        } catch (GeneralSecurityException e) {
            throw new StorageException("encryption failed", e);
        }
    }

    private static byte[] decrypt(byte[] key, String path, byte[] sealed, boolean rootKey) {
        if (sealed.length < HEADER + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw new StorageException(ErrorCode.INTERNAL, "stored value at " + path + " is not a barrier ciphertext");
        }
        try {
            Cipher c = CIPHER.get();
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, sealed, 5, 12));
            c.updateAAD(path.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(sealed, HEADER, sealed.length - HEADER);
        } catch (AEADBadTagException e) {
            if (rootKey) throw new InvalidRootKeyException();
            throw new StorageException(ErrorCode.INTERNAL, "stored value at " + path + " failed authentication (tampered, or moved from another path)");
        } catch (GeneralSecurityException e) {
            throw new StorageException("decryption failed", e);
        }
    }

    private byte[] randomKey() {
        byte[] k = new byte[32];
        random.nextBytes(k);
        return k;
    }

    private static void checkRootKey(byte[] rootKey) {
        if (rootKey == null || rootKey.length != 32) throw new InvalidRootKeyException();
    }

    private static void checkKey(String key) {
        StorageKeys.validate(key);
        if (key.equals(KEYRING_PATH) || key.equals(SEAL_CONFIG_PATH)) {
            throw new StorageException(ErrorCode.BAD_REQUEST, "invalid storage key: " + key + " is reserved");
        }
    }

    private Keyring requireKeyring() {
        Keyring ring = keyring;
        if (ring == null) throw new KeyhavenException(ErrorCode.SEALED, "Keyhaven is sealed");
        return ring;
    }

    private static byte[] serialize(Keyring ring) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", 1);
        ArrayNode terms = root.putArray("terms");
        for (Keyring.Term t : ring.terms()) {
            ObjectNode n = terms.addObject();
            n.put("term", t.term());
            n.put("key", Base64.getEncoder().encodeToString(t.key()));
            n.put("install_time", t.installTime().toString());
        }
        return Json.write(root);
    }

    private static Keyring deserialize(byte[] plain) {
        JsonNode root = Json.read(plain, JsonNode.class);
        List<Keyring.Term> terms = new ArrayList<>();
        for (JsonNode n : root.get("terms")) {
            terms.add(new Keyring.Term(n.get("term").asInt(), Base64.getDecoder().decode(n.get("key").asText()), Instant.parse(n.get("install_time").asText())));
        }
        return new Keyring(terms);
    }

    @Override
    public String toString() {
        return "AesGcmBarrier[" + (isSealed() ? "sealed" : "unsealed") + "]";
    }
}
