package dev.keyhaven.core.rotation.rotators;

import java.io.IOException;

/** Lets tests talk RESP with the rotator's own tiny client (a fresh connection per call, like a client opening connections). */
public final class RespTestAccess {
    private RespTestAccess() {}

    /** AUTH as {@code user} and run one command; throws IOException or a RuntimeException for a server error. */
    public static Object authAndCall(int port, String user, String password, String... command) throws IOException {
        try (Resp r = new Resp("127.0.0.1", port, 10_000)) {
            r.call("AUTH", user, password);
            return command.length == 0 ? "OK" : r.call(command);
        }
    }

    /** Connects and keeps the connection for later commands. */
    public static AutoCloseable open(int port, String user, String password) throws IOException {
        Resp r = new Resp("127.0.0.1", port, 10_000);
        r.call("AUTH", user, password);
        return r;
    }

    public static Object call(AutoCloseable conn, String... command) throws IOException {
        return ((Resp) conn).call(command);
    }
}
