package dev.keyhaven.doctor;

import java.util.List;

/**
 * The doctor's view of the leak scanner's detection. The doctor has no detector of its own: the implementation is
 * {@link ScannerBridge}, which delegates to {@code keyhaven-scanner}.
 */
public interface SecretDetector {
    /** A detection: scanner rule id, 1-based line, and a redacted preview (never the value). */
    record Detection(String ruleId, int line, String redacted) {}

    /** Runs the scanner's detectors over a file's content. */
    List<Detection> scan(String path, String content);

    /**
     * Whether a single configuration value (already separated from its key) looks like a live secret: a detector
     * matches it, or it has the scanner's "generic secret" entropy. Used for values of secret-named keys.
     */
    boolean looksLive(String keyName, String value);
}
