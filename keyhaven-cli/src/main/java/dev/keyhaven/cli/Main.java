package dev.keyhaven.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code keyhaven} command. Each subcommand lives in its own class and is registered in {@link #commandLine()}.
 * Exit codes: 0 ok, 1 error (or findings, for scan/doctor), 2 usage error. No stack traces reach the user.
 */
@Command(name = "keyhaven", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keyhaven: self-hosted secrets platform (Vault-compatible server, rotation, leak scanner, doctor).")
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (used by tests in-process). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Subcommands, one line each (keep sorted by name).
        cl.addSubcommand("audit", new AuditCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
            return 1;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"keyhaven " + (v == null ? "dev" : v)};
        }
    }
}
