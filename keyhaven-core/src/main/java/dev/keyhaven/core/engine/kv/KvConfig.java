package dev.keyhaven.core.engine.kv;

/**
 * The mount-wide settings of a KV v2 engine (stored at {@code config}).
 *
 * @param maxVersions        versions kept per secret; 0 = default (10) unless a secret sets more
 * @param casRequired        every data write must carry {@code options.cas}
 * @param deleteVersionAfter seconds after which a new version reads as deleted; 0 = unset, -1 = disabled for all keys
 */
record KvConfig(long maxVersions, boolean casRequired, long deleteVersionAfter) {
    static final long DISABLED = -1;
    static final KvConfig DEFAULT = new KvConfig(0, false, 0);

    boolean deleteVersionAfterDisabled() {
        return deleteVersionAfter == DISABLED;
    }
}
