package dev.keyhaven.core.audit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Scheduled pruning from server config, e.g.
 * <pre>
 * audit_retention {
 *   older_than = "90d"                          # required
 *   backup_dir = "/var/backups/keyhaven-audit"  # required; one sub-directory per device
 *   interval   = "24h"                          # default 24h
 * }
 * </pre>
 */
public record AuditRetention(Duration olderThan, Path backupDir, Duration interval) {
    public AuditRetention {
        Objects.requireNonNull(olderThan, "older_than");
        Objects.requireNonNull(backupDir, "backup_dir");
        Objects.requireNonNull(interval, "interval");
        if (olderThan.isNegative() || olderThan.isZero()) throw new IllegalArgumentException("audit_retention.older_than must be positive");
        if (interval.compareTo(Duration.ofMinutes(1)) < 0) throw new IllegalArgumentException("audit_retention.interval must be at least 1m");
    }

    /** From config strings; throws {@link IllegalArgumentException} with a message naming the bad field. */
    public static AuditRetention parse(String olderThan, String backupDir, String interval) {
        if (olderThan == null || olderThan.isBlank()) throw new IllegalArgumentException("audit_retention.older_than is required (e.g. \"90d\")");
        if (backupDir == null || backupDir.isBlank()) throw new IllegalArgumentException("audit_retention.backup_dir is required");
        Duration age;
        Duration every;
        try {
            age = AuditTimes.duration(olderThan);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("audit_retention.older_than: " + e.getMessage());
        }
        try {
            every = interval == null || interval.isBlank() ? Duration.ofHours(24) : AuditTimes.duration(interval);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("audit_retention.interval: " + e.getMessage());
        }
        return new AuditRetention(age, Path.of(backupDir), every);
    }
}
