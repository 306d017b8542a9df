package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageKeys;
import dev.keyhaven.core.util.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Vault's KV version 1 ("passthrough"): a path holds one JSON object; read returns it as {@code data}, write
 * replaces it (204), delete removes it (204), LIST gives direct children with folders ending in {@code /}, and an
 * empty listing is 404 {@code {"errors":[]}}. Created by {@link KvEngineFactory} for kv mounts without version 2.
 */
public final class KvV1Engine implements Engine {
    private final Storage storage;

    public KvV1Engine(Storage storage) {
        this.storage = storage;
    }

    @Override
    public Response handle(Request req) {
        String path = req.relativePath();
        Operation op = req.operation();
        if (op == Operation.LIST) return list(path);
        if (path.isEmpty() || path.endsWith("/")) {
            throw KeyhavenException.unsupported(op, path);
        }
        String key = key(path);
        switch (op) {
            case READ:
                return storage.get(key).map(v -> Response.of(Json.parseObject(v))).orElseThrow(KeyhavenException::notFound);
            case CREATE:
            case UPDATE: {
                Map<String, Object> data = req.data();
                if (data.isEmpty()) throw KeyhavenException.badRequest("missing data fields");
                storage.put(key, Json.write(data));
                return Response.empty();
            }
            case DELETE:
                storage.delete(key);
                return Response.empty();
            default:
                throw KeyhavenException.unsupported(op, path);
        }
    }

    private Response list(String path) {
        String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
        if (!prefix.isEmpty()) key(prefix.substring(0, prefix.length() - 1));
        List<String> keys = storage.list(prefix);
        if (keys.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(Response.map("keys", keys));
    }

    private static String key(String path) {
        try {
            return StorageKeys.validate(path);
        } catch (KeyhavenException e) {
            throw KeyhavenException.badRequest("invalid path \"" + printable(path) + "\": " + e.getMessage().replace("invalid storage key: ", ""));
        }
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        return sb.toString();
    }

    @Override
    public Optional<Boolean> exists(Request req) {
        String path = req.relativePath();
        if (path.isEmpty() || path.endsWith("/")) return Optional.empty();
        try {
            return Optional.of(storage.get(StorageKeys.validate(path)).isPresent());
        } catch (KeyhavenException e) {
            return Optional.empty();
        }
    }
}
