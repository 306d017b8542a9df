package dev.keyhaven.doctor;

/** Effective ignore status of a path with full gitignore semantics (delegates to the scanner's GitIgnore). */
public interface IgnoreOracle {
    boolean isIgnored(String relativePath, boolean isDirectory);
}
