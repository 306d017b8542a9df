package dev.keyhaven.client;

/** The server refused the request (HTTP 403, or a rejected login): the token or role lacks permission. */
public final class AccessDeniedException extends SourceException {
    private static final long serialVersionUID = 1L;

    public AccessDeniedException(String source, String message) {
        super(source, message);
    }
}
