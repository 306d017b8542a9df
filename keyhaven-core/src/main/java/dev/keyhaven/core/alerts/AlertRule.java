package dev.keyhaven.core.alerts;

/** The alert rules and their stable ids (used in records, metrics labels and the API). */
public enum AlertRule {
    /** Many failed authentications in a short window, from one client address or overall. */
    BRUTE_FORCE("brute_force", "high"),
    /** A token's or a path prefix's request rate far above its own moving baseline. */
    USAGE_SPIKE("usage_spike", "medium"),
    /** An expired or revoked token, or a retired secret version, was used. */
    EXPIRED_CREDENTIAL("expired_credential", "high");

    private final String id;
    private final String severity;

    AlertRule(String id, String severity) {
        this.id = id;
        this.severity = severity;
    }

    public String id() {
        return id;
    }

    public String severity() {
        return severity;
    }
}
