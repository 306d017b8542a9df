package dev.keyhaven.core.rotation;

/**
 * The life of one version of a secret under rotation. {@code PENDING} is written ahead of any change at the target
 * (the write-ahead step that makes a crash mid-rotation resumable); {@code CURRENT} is what clients should use;
 * {@code PREVIOUS} stays valid until its overlap window ends; {@code RETIRED} no longer works anywhere.
 */
public enum VersionState {
    PENDING, CURRENT, PREVIOUS, RETIRED;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
