package dev.keyhaven.core.rotation;

/**
 * Where rotation steps are recorded. The server wires this to the audit log (emergency rotations become
 * {@code rotation.incident} entries there); the default writes value-free lines through SLF4J.
 * An implementation must not throw for a healthy sink; a thrown exception fails the step that reported it.
 */
@FunctionalInterface
public interface RotationAudit {
    void record(RotationEvent event);

    RotationAudit LOGGING = new LoggingRotationAudit();
}
