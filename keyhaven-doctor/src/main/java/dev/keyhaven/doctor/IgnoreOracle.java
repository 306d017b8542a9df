package dev.keyhaven.doctor;

/** Effective ignore status of a path relative to the checked root, with git's semantics (the scanner's GitIgnore). */
public interface IgnoreOracle {
    boolean isIgnored(String relativePath, boolean isDirectory);
}
