package dev.keyhaven.client.spi;

import dev.keyhaven.client.SourceException;

import java.util.Optional;

/**
 * A source that keeps versions (KV v2, cloud secret managers). During a rotation's overlap window a service
 * accepts both the current and the previous value.
 */
public interface VersionedSecretSource extends SecretSource {

    /**
     * The newest live version older than the current one (not deleted, not destroyed), or empty when there is
     * none or the name is unknown here.
     */
    Optional<SourceValue> previous(String name) throws SourceException;
}
