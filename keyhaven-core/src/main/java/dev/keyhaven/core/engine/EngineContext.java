package dev.keyhaven.core.engine;

import dev.keyhaven.core.storage.Storage;
import java.time.Clock;
import java.util.Map;

/**
 * What an engine is created with.
 *
 * @param mountPath the mount point with a trailing slash, e.g. {@code secret/}
 * @param accessor  the mount accessor, e.g. {@code kv_1a2b3c4d}
 * @param type      the engine type, e.g. {@code kv}
 * @param options   mount options (e.g. {@code version=2}); never null
 * @param storage   a barrier view private to this mount
 * @param clock     the clock to use for every timestamp and expiry (tests inject one)
 */
public record EngineContext(String mountPath, String accessor, String type, Map<String, String> options, Storage storage, Clock clock) {
    public EngineContext {
        options = Map.copyOf(options);
    }
}
