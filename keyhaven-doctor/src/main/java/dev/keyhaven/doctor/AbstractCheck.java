package dev.keyhaven.doctor;

/** Metadata holder for checks, with helpers to build findings. */
public abstract class AbstractCheck implements Check {
    private final String id;
    private final String slug;
    private final Family family;
    private final Severity severity;
    private final String title;
    private final String why;
    private final String fix;

    protected AbstractCheck(String id, String slug, Family family, Severity severity, String title, String why, String fix) {
        this.id = id;
        this.slug = slug;
        this.family = family;
        this.severity = severity;
        this.title = title;
        this.why = why;
        this.fix = fix;
    }

    @Override public final String id() { return id; }
    @Override public final String slug() { return slug; }
    @Override public final Family family() { return family; }
    @Override public final Severity defaultSeverity() { return severity; }
    @Override public final String title() { return title; }
    @Override public final String why() { return why; }
    @Override public final String fix() { return fix; }

    protected final Finding found(Location at, String message, String key) {
        return found(severity, at, message, key);
    }

    protected final Finding found(Severity sev, Location at, String message, String key) {
        return new Finding(id, sev, at, message, Finding.fingerprintOf(id, at.path(), key));
    }

    @Override
    public String toString() { return id + " " + slug; }
}
