package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.storage.Storage;

/** Runs the whole KV v2 behaviour suite over the in-memory store. */
class KvV2EngineMemoryTest extends KvV2EngineBehaviour {
    @Override
    protected Storage newBackingStorage() {
        return new MemoryStorage();
    }
}
