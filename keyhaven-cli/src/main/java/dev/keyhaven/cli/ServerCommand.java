package dev.keyhaven.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.keyhaven.server.KeyhavenServer;
import dev.keyhaven.server.ServerOptions;
import dev.keyhaven.server.StartupException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code keyhaven server}: runs the Vault-compatible server until SIGTERM/SIGINT, then shuts down gracefully. */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start a Keyhaven server (Vault-compatible HTTP API).", "",
                "  keyhaven server -dev                 development server: in-memory-like temp store, unsealed, root token printed",
                "  keyhaven server -config server.hcl   server from a config file (see README: Configuration)"},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:stopped normally", "1:startup failed (the reason is printed on one line)", "2:usage error"},
        footer = {"", "Examples:", "  keyhaven server -dev -dev-root-token-id dev-only-token -dev-listen-address 127.0.0.1:8300",
                "  keyhaven server -config /etc/keyhaven/server.hcl"})
public final class ServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-config", "--config"}, paramLabel = "FILE", description = "Server configuration file (HCL).")
    Path config;

    @Option(names = {"-dev", "--dev"}, description = "Development mode: initialized, unsealed, KV engine at secret/, root token printed.")
    boolean dev;

    @Option(names = {"-dev-root-token-id", "--dev-root-token-id"}, paramLabel = "TOKEN", description = "Dev mode: use this root token instead of a random one.")
    String devRootTokenId;

    @Option(names = {"-dev-listen-address", "--dev-listen-address"}, paramLabel = "HOST:PORT", description = "Dev mode: listen address (default 127.0.0.1:8200).")
    String devListenAddress;

    @Option(names = {"-dev-data-dir", "--dev-data-dir"}, paramLabel = "DIR",
            description = "Dev mode: keep the store in DIR and reuse it across restarts (default: a temporary directory removed on exit).")
    Path devDataDir;

    @Override
    public Integer call() {
        ServerOptions opts = new ServerOptions(dev, Optional.ofNullable(config), Optional.ofNullable(devRootTokenId),
                Optional.ofNullable(devListenAddress), Optional.ofNullable(devDataDir));
        KeyhavenServer server;
        try {
            server = KeyhavenServer.start(opts, System.out, ServerCommand::setLogLevel);
        } catch (StartupException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return e.exitCode();
        }
        server.installShutdownHook();
        server.awaitStopped();
        return 0;
    }

    /** Maps the config's log_level onto Logback's root logger. */
    static void setLogLevel(String level) {
        if (!(LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root)) return;
        switch (level.toLowerCase(Locale.ROOT)) {
            case "trace": root.setLevel(Level.TRACE); break;
            case "debug": root.setLevel(Level.DEBUG); break;
            case "warn": case "warning": root.setLevel(Level.WARN); break;
            case "error": case "err": root.setLevel(Level.ERROR); break;
            case "off": root.setLevel(Level.OFF); break;
            default: root.setLevel(Level.INFO); break;
        }
    }
}
