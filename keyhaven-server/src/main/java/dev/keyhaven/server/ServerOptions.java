package dev.keyhaven.server;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code keyhaven server} was asked to do.
 *
 * @param dev              development mode: initialized, unsealed, root token printed
 * @param config           the HCL config file (not with dev)
 * @param devRootTokenId   dev mode: use this root token instead of a random one
 * @param devListenAddress dev mode: listen here instead of 127.0.0.1:8200
 * @param devDataDir       dev mode: keep the store here (reused across restarts) instead of a temp dir
 */
public record ServerOptions(boolean dev, Optional<Path> config, Optional<String> devRootTokenId, Optional<String> devListenAddress, Optional<Path> devDataDir) {
    public void validate() {
        if (dev && config.isPresent()) throw new StartupException("use either -dev or -config, not both", 2);
        if (!dev && config.isEmpty()) throw new StartupException("missing -config FILE (or -dev for a development server)", 2);
        if (!dev && (devRootTokenId.isPresent() || devListenAddress.isPresent() || devDataDir.isPresent())) {
            throw new StartupException("-dev-root-token-id, -dev-listen-address and -dev-data-dir need -dev", 2);
        }
    }
}
