package dev.keyhaven.core.rotation;

import java.util.Optional;

/**
 * A rotator whose credential is a value Keyhaven stores (as KV v2 versions of the managed path). Steps, in order:
 * {@link #prepare} (make the next value; nothing changes at the target), {@link #apply} (make it valid at the
 * target), {@link #verify} (prove it works with a fresh login), and after the overlap {@link #retire} (make the
 * old value stop working). The engine durably stores the next value before {@code apply}, so a crash never loses it.
 */
public non-sealed interface ValueRotator extends Rotator {
    /**
     * The next value, or empty when an outside party supplies it later (the webhook rotator): the engine then waits
     * for {@code sys/rotation/confirm/:path}.
     */
    Optional<SecretData> prepare(RotationContext ctx);

    /** Makes {@code next} valid at the target. Idempotent. With an overlap it must keep {@code ctx.current()} valid. */
    void apply(RotationContext ctx, SecretData next);

    /** Throws unless {@code value} works at the target (a real login with it). */
    void verify(RotationContext ctx, SecretData value);

    /** Makes {@code old} stop working at the target. Idempotent; {@code old} may already be invalid. */
    void retire(RotationContext ctx, SecretData old);

    /** A non-secret tag for the calendar, e.g. the database user a value belongs to. */
    default String label(SecretData value) {
        return value.get("username").orElse("");
    }

    /** Whether {@link #prepare} produces values itself (false: wait for a confirmation). */
    default boolean generatesValues() {
        return true;
    }

    /** Called when a rotation starts that waits for an outside party (and again on retries); notifies it. */
    default void requestValue(RotationContext ctx, String rotationId) {}
}
