package dev.keyhaven.core.rotation;

/**
 * The rotator SPI. A rotator knows one kind of target (a random value, a PostgreSQL role, a Redis ACL user, a
 * transit key ring, ...). The engine drives it through the rotation state machine and owns all durable state;
 * a rotator keeps none and every step it offers is idempotent, so a step repeated after a crash is harmless.
 * A rotator never logs or throws secret values.
 *
 * <p>There are two shapes: {@link ValueRotator} for secrets whose value Keyhaven stores as KV v2 versions, and
 * {@link VersionedKeyRotator} for targets that keep their own versions (transit keys).
 */
public sealed interface Rotator permits ValueRotator, VersionedKeyRotator {
    /** The name used in policies ({@code rotator = "postgresql"}). */
    String type();

    /** Checks the settings at policy-write time; throws a 400 {@link dev.keyhaven.core.logical.KeyhavenException} naming the problem. */
    void validate(Settings settings);

    /** Whether the previous credential still works after a new one is applied, so an overlap window is possible. */
    boolean supportsOverlap(Settings settings);
}
