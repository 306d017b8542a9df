package dev.keyhaven.scanner;

import java.util.Locale;

/** How bad a leak of this kind is. {@link #securitySeverity()} is the CVSS-like score GitHub code scanning reads. */
public enum Severity {
    CRITICAL("9.5"), HIGH("8.0"), MEDIUM("5.5"), LOW("3.0");

    private final String securitySeverity;

    Severity(String securitySeverity) {
        this.securitySeverity = securitySeverity;
    }

    public String securitySeverity() {
        return securitySeverity;
    }

    public String sarifLevel() {
        return this == LOW ? "note" : this == MEDIUM ? "warning" : "error";
    }

    public static Severity parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown severity '" + s + "' (use critical, high, medium or low)");
        }
    }

    public String lower() {
        return name().toLowerCase(Locale.ROOT);
    }
}
