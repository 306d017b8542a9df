package dev.keyhaven.core.rotation;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test plug-in rotator (type {@code flaky}) whose target is an in-memory "server": {@link #valid} holds the values
 * that currently log in. It can be told to fail its next applies, or to fail after applying (the target took the
 * value but the caller saw an error, as when a connection drops after COMMIT).
 */
final class FlakyRotator implements ValueRotator {
    final java.util.Set<String> valid = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final AtomicInteger applies = new AtomicInteger();
    volatile int failNextApplies;
    volatile boolean failAfterApply;

    @Override
    public String type() {
        return "flaky";
    }

    @Override
    public void validate(Settings settings) {
        settings.allowOnly(type(), java.util.Set.of());
    }

    @Override
    public boolean supportsOverlap(Settings settings) {
        return true;
    }

    @Override
    public Optional<SecretData> prepare(RotationContext ctx) {
        return Optional.of(SecretData.of("value", RandomValues.hex(ctx.random(), 16)));
    }

    @Override
    public void apply(RotationContext ctx, SecretData next) {
        applies.incrementAndGet();
        if (failNextApplies > 0) {
            failNextApplies--;
            throw new IllegalStateException("target unavailable");
        }
        valid.add(next.require("value"));
        if (failAfterApply) {
            failAfterApply = false;
            throw new IllegalStateException("connection reset after apply");
        }
    }

    @Override
    public void verify(RotationContext ctx, SecretData value) {
        if (!valid.contains(value.require("value"))) throw RotationException.target("login failed", null);
    }

    @Override
    public void retire(RotationContext ctx, SecretData old) {
        valid.remove(old.require("value"));
    }

    @Override
    public String label(SecretData value) {
        return "";
    }
}
