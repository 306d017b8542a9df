package dev.keyhaven.core.barrier;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;

/** The given root key does not open the keyring (a wrong key or a wrong unseal share). */
public final class InvalidRootKeyException extends KeyhavenException {
    private static final long serialVersionUID = 1L;

    public InvalidRootKeyException() {
        super(ErrorCode.BAD_REQUEST, "the root key does not open the keyring");
    }
}
