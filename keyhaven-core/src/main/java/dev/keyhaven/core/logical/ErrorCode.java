package dev.keyhaven.core.logical;

/** Stable machine codes for errors of every layer; the edge maps each to one HTTP status. */
public enum ErrorCode {
    BAD_REQUEST(400),
    PERMISSION_DENIED(403),
    NOT_FOUND(404),
    UNSUPPORTED_OPERATION(405),
    CONFLICT(409),
    PRECONDITION_FAILED(412),
    PAYLOAD_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    TOO_MANY_REQUESTS(429),
    INTERNAL(500),
    NOT_INITIALIZED(501),
    SEALED(503),
    UNAVAILABLE(503);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
