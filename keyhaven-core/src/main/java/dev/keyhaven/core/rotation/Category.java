package dev.keyhaven.core.rotation;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The default rotation categories (the guides' table). A policy naming a category takes its interval, overlap and
 * rotator unless it sets them itself.
 */
public enum Category {
    DATABASE("database", Duration.ofDays(90), Duration.ofHours(24), "", "database passwords (postgresql or mysql rotator, alternating users)"),
    CACHE("cache", Duration.ofDays(90), Duration.ofHours(24), "redis", "cache credentials (Redis ACL users)"),
    API_KEY("api-key", Duration.ofDays(60), Duration.ofDays(7), "webhook", "third-party API keys, with an overlap while consumers switch"),
    SIGNING_KEY("signing-key", Duration.ofDays(30), Duration.ofDays(7), "transit", "signing keys kept as a transit key ring (JWKS)"),
    SESSION_SECRET("session-secret", Duration.ofDays(30), Duration.ofHours(24), "random", "session and app-owned secrets");

    private final String id;
    private final Duration interval;
    private final Duration overlap;
    private final String rotator;
    private final String description;

    Category(String id, Duration interval, Duration overlap, String rotator, String description) {
        this.id = id;
        this.interval = interval;
        this.overlap = overlap;
        this.rotator = rotator;
        this.description = description;
    }

    public String id() { return id; }
    public Duration interval() { return interval; }
    public Duration overlap() { return overlap; }
    /** The default rotator, empty when the category needs one to be chosen (database: postgresql or mysql). */
    public String rotator() { return rotator; }
    public String description() { return description; }

    public static Optional<Category> of(String id) {
        return Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst();
    }
}
