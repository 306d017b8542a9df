package dev.keyhaven.core.auth.token;

import java.time.Duration;

/**
 * Token lifetimes: the TTL given to tokens that ask for none, and the system-wide max TTL (Vault's
 * {@code default_lease_ttl}/{@code max_lease_ttl}, both 768h by default); and how often the sweeper runs.
 */
public record TokenConfig(Duration defaultTtl, Duration maxTtl, Duration sweepInterval) {
    public static final TokenConfig DEFAULTS = new TokenConfig(Duration.ofHours(768), Duration.ofHours(768), Duration.ofSeconds(60));

    public TokenConfig {
        if (defaultTtl.isNegative() || defaultTtl.isZero()) throw new IllegalArgumentException("defaultTtl must be positive");
        if (maxTtl.compareTo(defaultTtl) < 0) throw new IllegalArgumentException("maxTtl must be at least defaultTtl");
        if (sweepInterval.isNegative() || sweepInterval.isZero()) throw new IllegalArgumentException("sweepInterval must be positive");
    }
}
