package dev.keyhaven.core.rotation;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;

/** Helpers for the logical layer's one error type; messages never carry secret values. */
public final class RotationException {
    private RotationException() {}

    public static KeyhavenException badRequest(String message) {
        return KeyhavenException.badRequest(message);
    }

    public static KeyhavenException conflict(String message) {
        return new KeyhavenException(ErrorCode.CONFLICT, message);
    }

    /** A failure talking to the rotation target (database, Redis, webhook); 503 because a retry may succeed. */
    public static KeyhavenException target(String message, Throwable cause) {
        return new KeyhavenException(ErrorCode.UNAVAILABLE, message, cause);
    }

    public static KeyhavenException notFound(String message) {
        return new KeyhavenException(ErrorCode.NOT_FOUND, message);
    }
}
