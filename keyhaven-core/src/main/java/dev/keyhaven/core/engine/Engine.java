package dev.keyhaven.core.engine;

import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.util.List;
import java.util.Optional;

/**
 * A secrets engine or auth method mounted at a path. The router hands it requests whose
 * {@link Request#relativePath()} is relative to the mount; the engine answers with a logical response or throws a
 * {@link dev.keyhaven.core.logical.KeyhavenException}. Engines never see HTTP and never see ciphertext: their
 * {@link EngineContext#storage()} is a barrier view under the mount's own prefix.
 */
public interface Engine extends AutoCloseable {
    Response handle(Request request);

    /** Relative paths (exact, or with a trailing {@code *} glob) that need no token, e.g. {@code login}, {@code jwks/*}. */
    default List<String> unauthenticatedPaths() {
        return List.of();
    }

    /** Relative paths (exact or trailing {@code *}) that need the {@code sudo} capability. */
    default List<String> rootPaths() {
        return List.of();
    }

    /**
     * Existence check for ACL create-vs-update: for a write to {@code relativePath}, whether the target exists.
     * Empty means the engine does not distinguish (the request is checked as {@code update}).
     */
    default Optional<Boolean> exists(Request request) {
        return Optional.empty();
    }

    @Override
    default void close() {}
}
