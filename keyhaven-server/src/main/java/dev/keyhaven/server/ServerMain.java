package dev.keyhaven.server;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A plain entry point for {@code keyhaven server} (the CLI's {@code ServerCommand} offers the same flags through
 * picocli). Used by tests that run the server as a child JVM. Exit codes: 1 startup error, 2 usage error.
 */
public final class ServerMain {
    private ServerMain() {}

    public static void main(String[] args) {
        PrintStream err = System.err;
        ServerOptions opts;
        try {
            opts = parse(args);
            opts.validate();
        } catch (StartupException e) {
            err.println("error: " + e.getMessage());
            System.exit(e.exitCode());
            return;
        }
        KeyhavenServer server;
        try {
            server = KeyhavenServer.start(opts, System.out, level -> {});
        } catch (StartupException e) {
            err.println("error: " + e.getMessage());
            System.exit(e.exitCode());
            return;
        }
        server.installShutdownHook();
        server.awaitStopped();
    }

    static ServerOptions parse(String[] args) {
        boolean dev = false;
        Optional<Path> config = Optional.empty();
        Optional<String> token = Optional.empty(), listen = Optional.empty();
        Optional<Path> dataDir = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String a = args[i].startsWith("--") ? args[i].substring(1) : args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (a.equals("-dev")) {
                dev = true;
                continue;
            }
            if (!(a.equals("-config") || a.equals("-dev-root-token-id") || a.equals("-dev-listen-address") || a.equals("-dev-data-dir"))) {
                throw new StartupException("unknown option " + args[i], 2);
            }
            if (value == null) {
                if (i + 1 >= args.length) throw new StartupException("option " + a + " needs a value", 2);
                value = args[++i];
            }
            switch (a) {
                case "-config": config = Optional.of(Path.of(value)); break;
                case "-dev-root-token-id": token = Optional.of(value); break;
                case "-dev-listen-address": listen = Optional.of(value); break;
                default: dataDir = Optional.of(Path.of(value)); break;
            }
        }
        return new ServerOptions(dev, config, token, listen, dataDir);
    }
}
