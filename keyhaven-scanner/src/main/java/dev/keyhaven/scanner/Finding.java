package dev.keyhaven.scanner;

import java.util.Optional;

/**
 * One detected secret (or placeholder). {@link #secret()} is the raw value and must only be printed when the user
 * asked for it ({@code --show-secrets}); {@link #toString()} and every reporter use {@link #redacted()}.
 *
 * @param line   1-based line of the secret's first character
 * @param column 1-based column (in characters) of the secret's first character
 */
public record Finding(String ruleId, String description, Severity severity, Kind kind, String path, int line, int column,
                      String secret, String fingerprint, Optional<CommitInfo> commit) {
    public enum Kind { SECRET, PLACEHOLDER }

    public String redacted() {
        return Redactor.redact(secret);
    }

    public Finding withCommit(CommitInfo c) {
        return new Finding(ruleId, description, severity, kind, path, line, column, secret, fingerprint, Optional.of(c));
    }

    public Finding withPath(String newPath) {
        return new Finding(ruleId, description, severity, kind, newPath, line, column, secret,
                Fingerprints.of(ruleId, newPath, secret), commit);
    }

    @Override
    public String toString() {
        return "Finding[" + ruleId + " " + kind + " " + path + ":" + line + ":" + column + " " + redacted()
                + commit.map(c -> " commit " + c.shortSha()).orElse("") + "]";
    }
}
