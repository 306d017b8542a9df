package dev.keyhaven.client.redact;

/**
 * Stand-in for an exception whose message held a secret: same class name in {@link #toString()}, same stack
 * trace, redacted message, redacted causes. Produced by {@link Redactor#redact(Throwable)}.
 */
public final class RedactedThrowable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String originalClassName;

    RedactedThrowable(String originalClassName, String redactedMessage) {
        super(redactedMessage);
        this.originalClassName = originalClassName;
    }

    /** The class of the exception this stands in for. */
    public String originalClassName() {
        return originalClassName;
    }

    @Override
    public String toString() {
        String m = getLocalizedMessage();
        return m == null ? originalClassName : originalClassName + ": " + m;
    }
}
