package dev.keyhaven.core.storage;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;

/** A storage-layer failure. Invalid keys map to 400; I/O failures to 500 with a message free of values. */
public class StorageException extends KeyhavenException {
    private static final long serialVersionUID = 1L;

    public StorageException(ErrorCode code, String message) {
        super(code, message);
    }

    public StorageException(String message, Throwable cause) {
        super(ErrorCode.INTERNAL, message, cause);
    }

    public static StorageException invalidKey(String why) {
        return new StorageException(ErrorCode.BAD_REQUEST, "invalid storage key: " + why);
    }
}
