package dev.keyhaven.client;

/**
 * A source could not answer (as opposed to answering "I do not have it"). The message names the source and,
 * where there is one, the location (file, server path); never the value or a credential.
 *
 * <p>Subclasses say why: {@link AccessDeniedException}, {@link SealedException},
 * {@link SourceUnavailableException}. A plain {@code SourceException} is a misconfiguration or a malformed
 * answer (an unreadable {@code NAME_FILE}, a {@code .env} file with a syntax error, a non-JSON reply).
 */
public class SourceException extends SecretsException {
    private static final long serialVersionUID = 1L;

    private final String source;

    public SourceException(String source, String message) {
        super("[" + source + "] " + message);
        this.source = source;
    }

    public SourceException(String source, String message, Throwable cause) {
        super("[" + source + "] " + message, cause);
        this.source = source;
    }

    /** Name of the source that failed. */
    public String source() {
        return source;
    }
}
