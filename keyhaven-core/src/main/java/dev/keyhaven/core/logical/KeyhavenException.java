package dev.keyhaven.core.logical;

import java.util.List;

/**
 * The one error type of the logical layer: a stable code plus human messages. Messages are shown to API clients
 * verbatim (as Vault's {@code {"errors": [...]}}) and therefore must never contain secret values.
 */
public class KeyhavenException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final List<String> errors;

    public KeyhavenException(ErrorCode code, String message) {
        this(code, List.of(message), null);
    }

    public KeyhavenException(ErrorCode code, String message, Throwable cause) {
        this(code, List.of(message), cause);
    }

    public KeyhavenException(ErrorCode code, List<String> errors, Throwable cause) {
        super(errors.isEmpty() ? code.name() : String.join("; ", errors), cause);
        this.code = code;
        this.errors = List.copyOf(errors);
    }

    public ErrorCode code() {
        return code;
    }

    /** The messages for the {@code errors} array; may be empty (Vault answers an empty LIST with 404 {"errors":[]}). */
    public List<String> errors() {
        return errors;
    }

    public static KeyhavenException badRequest(String message) {
        return new KeyhavenException(ErrorCode.BAD_REQUEST, message);
    }

    public static KeyhavenException permissionDenied() {
        return new KeyhavenException(ErrorCode.PERMISSION_DENIED, "permission denied");
    }

    public static KeyhavenException notFound() {
        return new KeyhavenException(ErrorCode.NOT_FOUND, List.of(), null);
    }

    public static KeyhavenException unsupported(Operation op, String path) {
        return new KeyhavenException(ErrorCode.UNSUPPORTED_OPERATION, "1 error occurred:\n\t* unsupported operation\n\n");
    }
}
