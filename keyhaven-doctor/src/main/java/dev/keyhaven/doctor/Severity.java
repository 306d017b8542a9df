package dev.keyhaven.doctor;

import java.util.Locale;

/** Result severity, ordered from most to least severe. Mapping to SARIF and exit codes follows docs/doctor.md. */
public enum Severity {
    CRITICAL("error", "9.5", 4),
    HIGH("error", "8.0", 3),
    MEDIUM("warning", "5.5", 2),
    LOW("note", "3.0", 1),
    INFO("note", "0.0", 0);

    private final String sarifLevel;
    private final String securitySeverity;
    private final int rank;

    Severity(String sarifLevel, String securitySeverity, int rank) {
        this.sarifLevel = sarifLevel;
        this.securitySeverity = securitySeverity;
        this.rank = rank;
    }

    public String sarifLevel() { return sarifLevel; }

    public String securitySeverity() { return securitySeverity; }

    /** 0 (info) .. 4 (critical). */
    public int rank() { return rank; }

    public boolean atLeast(Severity other) { return rank >= other.rank; }

    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** Parses {@code critical|high|medium|low|info} (case-insensitive). */
    public static Severity parse(String s) {
        for (Severity v : values()) {
            if (v.name().equalsIgnoreCase(s.trim())) return v;
        }
        throw new DoctorException("unknown severity '" + s + "' (expected critical, high, medium, low or info)");
    }
}
