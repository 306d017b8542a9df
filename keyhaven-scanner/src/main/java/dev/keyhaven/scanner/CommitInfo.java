package dev.keyhaven.scanner;

import java.time.Instant;

/** The commit that introduced a finding (history and range scans). */
public record CommitInfo(String sha, String author, String email, Instant date, String message) {
    public String shortSha() {
        return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }
}
