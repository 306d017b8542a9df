package dev.keyhaven.client;

/** The source could not be reached: connection refused, timeout, DNS failure, or a 5xx other than sealed. */
public final class SourceUnavailableException extends SourceException {
    private static final long serialVersionUID = 1L;

    public SourceUnavailableException(String source, String message) {
        super(source, message);
    }

    public SourceUnavailableException(String source, String message, Throwable cause) {
        super(source, message, cause);
    }
}
