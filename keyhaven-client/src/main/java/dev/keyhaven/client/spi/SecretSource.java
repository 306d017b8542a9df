package dev.keyhaven.client.spi;

import dev.keyhaven.client.SourceException;

import java.util.Optional;

/**
 * One place secrets can come from. {@link dev.keyhaven.client.SecretsManager} asks its sources in order and
 * takes the first answer. Cloud modules (AWS Secrets Manager, Azure Key Vault, GCP Secret Manager) implement
 * this interface; so can an application.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #lookup} returns {@code Optional.empty()} when the source simply has no value for the name
 *       (the chain moves on), and throws {@link SourceException} (or a subclass) when it could not find out
 *       (unreachable, denied, sealed, misconfigured): the chain stops there, because silently falling
 *       through to a less authoritative source is how stale credentials end up in production.</li>
 *   <li>No message, exception or log line produced by a source may contain a value or a credential.</li>
 *   <li>Implementations must be thread-safe.</li>
 * </ul>
 */
public interface SecretSource extends AutoCloseable {

    /** Short, stable name shown by {@code explain()} and in error messages, e.g. {@code "environment"}. */
    String name();

    /**
     * The value for {@code name}, or empty when this source does not have it.
     *
     * @throws SourceException when the source cannot tell (see the class comment)
     */
    Optional<SourceValue> lookup(String name) throws SourceException;

    /** Drops any cached state so the next lookup reads fresh values. Default: nothing cached. */
    default void refresh() {
    }

    /** Releases resources (threads, connections). Default: nothing to release. Must not throw. */
    @Override
    default void close() {
    }
}
