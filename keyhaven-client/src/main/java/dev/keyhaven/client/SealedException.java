package dev.keyhaven.client;

/** The server is sealed (HTTP 503 with a sealed error): an operator must unseal it before any secret can be read. */
public final class SealedException extends SourceException {
    private static final long serialVersionUID = 1L;

    public SealedException(String source, String message) {
        super(source, message);
    }
}
