package dev.keyhaven.core.rotation;

import java.time.Instant;

/**
 * One audited rotation step. Carries names, versions and value-free error descriptions only, never a secret value.
 *
 * @param type       e.g. {@code rotation.started}, {@code rotation.promoted}, {@code rotation.retired},
 *                   {@code rotation.failed}, {@code rotation.rolled_back}, {@code rotation.awaiting_confirmation},
 *                   {@code rotation.confirmed}, {@code rotation.incident}
 * @param rotationId the rotation this step belongs to (empty for retirements)
 * @param reason     {@code scheduled}, {@code manual} or {@code emergency}
 * @param detail     a value-free description (error class and message for failures)
 */
public record RotationEvent(Instant time, String type, String path, String policy, String rotator, String rotationId,
                            String reason, long version, long previousVersion, String detail) {
    public RotationEvent {
        rotationId = rotationId == null ? "" : rotationId;
        reason = reason == null ? "" : reason;
        detail = detail == null ? "" : detail;
    }

    public boolean isIncident() {
        return type.equals("rotation.incident");
    }
}
