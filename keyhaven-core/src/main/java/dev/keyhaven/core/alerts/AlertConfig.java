package dev.keyhaven.core.alerts;

import java.time.Duration;

/**
 * Thresholds of the alert rules.
 *
 * @param bruteForceThreshold failed authentications within {@code bruteForceWindow} that make a burst (default 50)
 * @param bruteForceWindow    the sliding window (default 60 s)
 * @param bruteForceCooldown  after an alert, no second one for the same client address (or overall) for this long
 *                            (default 15 min): one alert per burst
 * @param spikeFactor         a bucket's count must reach this multiple of the key's baseline (default 20)
 * @param spikeMinCount       ... and at least this many requests in the bucket (default 30), so an idle key's first
 *                            few requests never fire
 * @param spikeBucket         the rate bucket (default 60 s); the baseline is an exponentially weighted moving average
 *                            of per-bucket counts, empty buckets included
 * @param spikeAlpha          weight of the newest bucket in the baseline (default 0.1, about ten buckets of memory)
 * @param spikeWarmup         a key must have been seen this long before it can alert (default 10 min)
 * @param spikeCooldown       one spike alert per key per this long (default 1 h)
 * @param credentialCooldown  one expired-credential alert per credential per this long (default 1 h)
 * @param maxTrackedKeys      rate and failure trackers kept in memory; the least recently seen are dropped (default 10,000)
 * @param maxStoredAlerts     alert records kept; the oldest are deleted (default 10,000)
 */
public record AlertConfig(int bruteForceThreshold, Duration bruteForceWindow, Duration bruteForceCooldown, double spikeFactor, long spikeMinCount,
                          Duration spikeBucket, double spikeAlpha, Duration spikeWarmup, Duration spikeCooldown, Duration credentialCooldown,
                          int maxTrackedKeys, int maxStoredAlerts) {
    public static final AlertConfig DEFAULTS = new AlertConfig(50, Duration.ofSeconds(60), Duration.ofMinutes(15), 20.0, 30,
            Duration.ofSeconds(60), 0.1, Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(1), 10_000, 10_000);

    public AlertConfig {
        if (bruteForceThreshold < 2) throw new IllegalArgumentException("brute-force threshold must be at least 2");
        requirePositive("brute-force window", bruteForceWindow);
        requireNonNegative("brute-force cool-down", bruteForceCooldown);
        if (!(spikeFactor > 1.0) || !Double.isFinite(spikeFactor)) throw new IllegalArgumentException("spike factor must be greater than 1");
        if (spikeMinCount < 1) throw new IllegalArgumentException("spike minimum count must be positive");
        requirePositive("spike bucket", spikeBucket);
        if (!(spikeAlpha > 0.0 && spikeAlpha <= 1.0)) throw new IllegalArgumentException("spike alpha must be in (0, 1]");
        requireNonNegative("spike warm-up", spikeWarmup);
        requireNonNegative("spike cool-down", spikeCooldown);
        requireNonNegative("credential cool-down", credentialCooldown);
        if (maxTrackedKeys < 1 || maxStoredAlerts < 1) throw new IllegalArgumentException("limits must be positive");
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) throw new IllegalArgumentException(what + " must be positive");
    }

    private static void requireNonNegative(String what, Duration d) {
        if (d == null || d.isNegative()) throw new IllegalArgumentException(what + " must not be negative");
    }

    public AlertConfig withBruteForce(int threshold, Duration window, Duration cooldown) {
        return new AlertConfig(threshold, window, cooldown, spikeFactor, spikeMinCount, spikeBucket, spikeAlpha, spikeWarmup, spikeCooldown,
                credentialCooldown, maxTrackedKeys, maxStoredAlerts);
    }

    public AlertConfig withSpike(double factor, long minCount, Duration bucket, double alpha, Duration warmup, Duration cooldown) {
        return new AlertConfig(bruteForceThreshold, bruteForceWindow, bruteForceCooldown, factor, minCount, bucket, alpha, warmup, cooldown,
                credentialCooldown, maxTrackedKeys, maxStoredAlerts);
    }

    public AlertConfig withCredentialCooldown(Duration cooldown) {
        return new AlertConfig(bruteForceThreshold, bruteForceWindow, bruteForceCooldown, spikeFactor, spikeMinCount, spikeBucket, spikeAlpha,
                spikeWarmup, spikeCooldown, cooldown, maxTrackedKeys, maxStoredAlerts);
    }

    public AlertConfig withLimits(int trackedKeys, int storedAlerts) {
        return new AlertConfig(bruteForceThreshold, bruteForceWindow, bruteForceCooldown, spikeFactor, spikeMinCount, spikeBucket, spikeAlpha,
                spikeWarmup, spikeCooldown, credentialCooldown, trackedKeys, storedAlerts);
    }
}
