package dev.keyhaven.client.transit;

/** A token did not verify (bad signature, unknown key, expired, malformed) or the JWKS could not be fetched. */
public class JwtVerificationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JwtVerificationException(String message) {
        super(message);
    }

    public JwtVerificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
