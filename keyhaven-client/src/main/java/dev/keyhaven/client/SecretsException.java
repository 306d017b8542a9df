package dev.keyhaven.client;

/**
 * The one error type of the SDK. Every subclass has a message a person can act on; no message ever contains
 * a secret value or a token.
 */
public class SecretsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SecretsException(String message) {
        super(message);
    }

    public SecretsException(String message, Throwable cause) {
        super(message, cause);
    }
}
