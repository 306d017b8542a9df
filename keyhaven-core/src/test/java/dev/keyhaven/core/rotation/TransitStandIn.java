package dev.keyhaven.core.rotation;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for the transit engine (branch {@code transit}, not merged yet) covering exactly the key-ring calls the
 * transit/jwt rotator makes, with Vault's rules: {@code keys/:name} read/create, {@code rotate}, {@code config}
 * ({@code min_decryption_version}) and {@code trim} ({@code min_available_version} no higher than
 * {@code min_decryption_version} or the encryption version). Replace with the real engine once it lands.
 */
final class TransitStandIn implements Engine {
    static final class Key {
        final TreeMap<Long, Long> versions = new TreeMap<>(); // version -> creation epoch second
        long latest;
        long minDecryption = 1;
        long minAvailable;
    }

    final Map<String, Key> keys = new ConcurrentHashMap<>();

    @Override
    public synchronized Response handle(Request request) {
        String rel = request.relativePath();
        if (!rel.startsWith("keys/")) throw KeyhavenException.notFound();
        String[] parts = rel.substring(5).split("/");
        String name = parts[0];
        String action = parts.length > 1 ? parts[1] : "";
        Operation op = request.operation();
        if (action.isEmpty() && (op == Operation.UPDATE || op == Operation.CREATE)) {
            Key k = keys.computeIfAbsent(name, n -> new Key());
            if (k.latest == 0) {
                k.latest = 1;
                k.versions.put(1L, 0L);
            }
            return Response.empty();
        }
        Key k = keys.get(name);
        if (k == null) throw KeyhavenException.notFound();
        switch (action) {
            case "" -> {
                Map<String, Object> ks = new TreeMap<>();
                for (Map.Entry<Long, Long> e : k.versions.entrySet()) ks.put(Long.toString(e.getKey()), e.getValue());
                return Response.of(Response.map("name", name, "latest_version", k.latest, "min_decryption_version", k.minDecryption,
                        "min_encryption_version", 0L, "min_available_version", k.minAvailable, "keys", ks));
            }
            case "rotate" -> {
                k.latest++;
                k.versions.put(k.latest, 0L);
                return Response.empty();
            }
            case "config" -> {
                long v = ((Number) request.data().get("min_decryption_version")).longValue();
                if (v > k.latest) throw KeyhavenException.badRequest("cannot set min decryption version above the latest version");
                if (v < k.minAvailable) throw KeyhavenException.badRequest("cannot set min decryption version below min available version");
                k.minDecryption = v;
                return Response.empty();
            }
            case "trim" -> {
                long v = ((Number) request.data().get("min_available_version")).longValue();
                if (v > k.minDecryption) throw KeyhavenException.badRequest("cannot set min available version higher than min decryption version");
                if (v > k.latest) throw KeyhavenException.badRequest("cannot set min available version higher than the latest version");
                if (v < k.minAvailable) throw KeyhavenException.badRequest("cannot set min available version lower than the current one");
                k.minAvailable = v;
                k.versions.headMap(v).clear();
                return Response.empty();
            }
            default -> throw KeyhavenException.notFound();
        }
    }
}
