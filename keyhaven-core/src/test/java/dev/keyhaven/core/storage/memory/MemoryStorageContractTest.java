package dev.keyhaven.core.storage.memory;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageContractTest;

/** The in-memory backend passes the same contract as the durable ones (except durability across reopen). */
class MemoryStorageContractTest extends StorageContractTest {
    private MemoryStorage kept;

    @Override
    protected Storage createStorage() {
        kept = new MemoryStorage();
        return kept;
    }

    @Override
    protected Storage reopen(Storage closed) {
        // a volatile store has nothing to reopen: keep using the same instance
        return kept;
    }
}
