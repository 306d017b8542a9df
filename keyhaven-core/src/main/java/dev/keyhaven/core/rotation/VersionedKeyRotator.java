package dev.keyhaven.core.rotation;

/**
 * A rotator for targets that keep their own numbered versions, like a transit key ring: Keyhaven stores no value,
 * only the state of each version.
 */
public non-sealed interface VersionedKeyRotator extends Rotator {
    /** The target's latest version now. */
    long latestVersion(RotationContext ctx);

    /** Adds a version if the latest is still {@code baseVersion}; returns the new latest. Idempotent across a crash. */
    long rotate(RotationContext ctx, long baseVersion);

    /** Makes every version below {@code keepFrom} unusable (and removes it where the target allows). Idempotent. */
    void retireBelow(RotationContext ctx, long keepFrom);
}
