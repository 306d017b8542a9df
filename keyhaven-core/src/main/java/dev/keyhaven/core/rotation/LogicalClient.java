package dev.keyhaven.core.rotation;

import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;

/**
 * How rotation reaches other engines (KV v2, transit): through the same logical API as any client, so every write
 * is routed, sealed by the barrier and audited like a user's. The server implements it over its request handler with
 * an internal, root-equivalent identity; {@link Request#path()} is a full API path such as {@code secret/data/app/db}.
 * Errors come back as {@link dev.keyhaven.core.logical.KeyhavenException}.
 */
@FunctionalInterface
public interface LogicalClient {
    Response handle(Request request);
}
