package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.storage.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Key policies in the engine's (barrier-encrypted) storage under {@code policy/<name>}, as Vault lays them out.
 * Every read goes to storage so several nodes sharing one store stay consistent; the decoded policy is cached
 * against the exact stored bytes so parsing (and JDK key decoding) happens once per change. Updates are
 * read-modify-compare-and-set, retried on a concurrent change, so no update is ever lost.
 */
final class PolicyStore {
    static final String PREFIX = "policy/";
    private final Storage storage;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(byte[] bytes, KeyPolicy policy) {}

    PolicyStore(Storage storage) {
        this.storage = storage;
    }

    Optional<KeyPolicy> get(String name) {
        return load(name).map(Cached::policy);
    }

    private Optional<Cached> load(String name) {
        Optional<byte[]> raw = storage.get(PREFIX + name);
        if (raw.isEmpty()) {
            cache.remove(name);
            return Optional.empty();
        }
        byte[] bytes = raw.get();
        Cached c = cache.get(name);
        if (c != null && Arrays.equals(c.bytes, bytes)) return Optional.of(c);
        c = new Cached(bytes, KeyPolicy.fromJson(bytes));
        cache.put(name, c);
        return Optional.of(c);
    }

    /** Stores a new policy only if none exists under the name; returns the winner (ours or the existing one). */
    KeyPolicy createIfAbsent(KeyPolicy fresh, boolean[] created) {
        byte[] bytes = fresh.toJson();
        if (storage.compareAndSet(PREFIX + fresh.name, null, bytes)) {
            cache.put(fresh.name, new Cached(bytes, KeyPolicy.fromJson(bytes)));
            created[0] = true;
            return fresh;
        }
        created[0] = false;
        return get(fresh.name).orElseThrow(() -> new KeyhavenException(ErrorCode.CONFLICT, "key changed concurrently; retry"));
    }

    /**
     * Applies {@code change} to a copy of the current policy and stores it atomically; {@code change} may throw a
     * {@link KeyhavenException} to refuse (nothing is written). Returns the stored policy.
     */
    KeyPolicy update(String name, Function<KeyPolicy, KeyPolicy> change) {
        for (int attempt = 0; attempt < 32; attempt++) {
            Cached cur = load(name).orElseThrow(() -> KeyhavenException.badRequest("no existing key named " + name + " could be found"));
            KeyPolicy next = change.apply(cur.policy.copy());
            byte[] bytes = next.toJson();
            if (storage.compareAndSet(PREFIX + name, cur.bytes, bytes)) {
                cache.put(name, new Cached(bytes, KeyPolicy.fromJson(bytes)));
                return next;
            }
        }
        throw new KeyhavenException(ErrorCode.CONFLICT, "key " + name + " is being changed concurrently; retry");
    }

    /** Replaces (or creates) a policy unconditionally: restore with force. */
    void put(KeyPolicy p) {
        byte[] bytes = p.toJson();
        storage.put(PREFIX + p.name, bytes);
        cache.put(p.name, new Cached(bytes, KeyPolicy.fromJson(bytes)));
    }

    void delete(String name) {
        storage.delete(PREFIX + name);
        cache.remove(name);
    }

    List<String> list() {
        List<String> out = new ArrayList<>();
        for (String k : storage.list(PREFIX)) if (!k.endsWith("/")) out.add(k);
        return out;
    }
}
