package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.storage.Storage;

/** The concurrency requirement over the in-memory store. */
class KvV2ConcurrencyMemoryTest extends KvV2ConcurrencyContract {
    @Override
    protected Storage newBackingStorage() {
        return new MemoryStorage();
    }
}
