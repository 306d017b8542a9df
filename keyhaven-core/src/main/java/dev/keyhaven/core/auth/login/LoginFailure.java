package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;

/** A refused login: the client-visible error (Vault's exact text) plus the failure class for audit and metrics. */
public final class LoginFailure extends KeyhavenException {
    private static final long serialVersionUID = 1L;
    private final FailureClass failureClass;

    public LoginFailure(FailureClass failureClass, ErrorCode code, String message) {
        super(code, message);
        this.failureClass = failureClass;
    }

    public static LoginFailure badRequest(FailureClass fc, String message) {
        return new LoginFailure(fc, ErrorCode.BAD_REQUEST, message);
    }

    public static LoginFailure permissionDenied(FailureClass fc) {
        return new LoginFailure(fc, ErrorCode.PERMISSION_DENIED, "permission denied");
    }

    public FailureClass failureClass() {
        return failureClass;
    }
}
