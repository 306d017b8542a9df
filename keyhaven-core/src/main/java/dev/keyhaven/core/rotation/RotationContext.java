package dev.keyhaven.core.rotation;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;

/**
 * What a rotator is given for one step.
 *
 * @param path      the managed path, e.g. {@code secret/app/db} or {@code transit/keys/jwt}
 * @param policy    the governing policy
 * @param settings  the rotator's settings
 * @param current   the current value (value rotators; empty on the first rotation)
 * @param emergency whether this is an emergency rotation (rotators may also end sessions of the old credential)
 * @param kv        KV v2 access through the logical API (e.g. to read the rotator's own admin credential)
 * @param logical   the logical API, for rotators that drive another engine (transit)
 */
public record RotationContext(String path, RotationPolicy policy, Settings settings, Optional<SecretData> current,
                              boolean emergency, KvAccess kv, LogicalClient logical, Clock clock, SecureRandom random) {

    /** Reads a credential the rotator needs (e.g. the admin login) from a KV v2 path named by setting {@code key}. */
    public SecretData credential(String key) {
        String p = settings.require(key);
        return kv.readLatest(p).orElseThrow(() -> RotationException.badRequest(
                "setting '" + key + "' names a KV secret that does not exist or has no readable current version"));
    }

    @Override
    public String toString() {
        return "RotationContext[" + path + ", policy=" + policy.name() + "]";
    }
}
