package dev.keyhaven.server;

/** A problem that stops the server from starting. The message is one line meant for the operator; no stack trace. */
public final class StartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public StartupException(String message) {
        this(message, 1);
    }

    public StartupException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
