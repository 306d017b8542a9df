package dev.keyhaven.client.transit;

import java.util.List;

/**
 * A transit call failed: the server's HTTP status (0 when the server could not be reached) and the messages from
 * its {@code {"errors": [...]}} body. Never carries plaintext, ciphertext, signatures or the token.
 */
public class TransitException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final List<String> errors;

    public TransitException(int status, List<String> errors, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    /** HTTP status, or 0 if no response was received. */
    public int status() {
        return status;
    }

    public List<String> errors() {
        return errors;
    }
}
