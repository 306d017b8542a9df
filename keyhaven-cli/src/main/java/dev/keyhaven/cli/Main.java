package dev.keyhaven.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code keyhaven} command. Each subcommand lives in its own class and is registered in {@link #commandLine()}.
 * Exit codes: 0 ok, 1 error (or findings, for scan/doctor), 2 usage error. No stack traces reach the user.
 */
@Command(name = "keyhaven", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keyhaven: self-hosted secrets platform (Vault-compatible server, rotation, leak scanner, doctor).",
        footer = {"", "Examples:", "  keyhaven server -dev", "  keyhaven kv put secret/app/db password=@pw.txt", "  keyhaven scan --history",
                "  keyhaven doctor . --fail-on high", "", "Exit codes: 0 ok, 1 error, 2 usage error (see each command's --help)."})
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
        cl.addSubcommand("alerts", new AlertsCommand());
        cl.addSubcommand("audit", new AuditCommand());
        cl.addSubcommand("auth", new AuthCommand());
        cl.addSubcommand("completion", new CompletionCommand());
        cl.addSubcommand(new DoctorCommand());
        cl.addSubcommand("env", new EnvCommand());
        cl.addSubcommand("kv", new KvCommand());
        cl.addSubcommand("operator", new OperatorCommand());
        cl.addSubcommand("policy", new PolicyCommand());
        cl.addSubcommand("rotate", new RotationCommand.Rotate());
        cl.addSubcommand("rotation", new RotationCommand());
        cl.addSubcommand("run", RunCommand.commandLine());
        cl.addSubcommand("scan", new ScanCommand());
        cl.addSubcommand("server", new ServerCommand());
        cl.addSubcommand("status", new StatusCommand());
        cl.addSubcommand("token", new TokenCommand());
        addHelpOptions(cl);
        cl.setExecutionExceptionHandler(Main::handleError);
        cl.setParameterExceptionHandler(Main::handleUsageError);
        return cl;
    }

    /** Gives every command {@code -h}/{@code -help}/{@code --help} (vault users type {@code -help}). */
    private static void addHelpOptions(CommandLine cl) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (spec.options().stream().noneMatch(CommandLine.Model.OptionSpec::usageHelp)) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "-help", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        for (CommandLine sub : cl.getSubcommands().values()) addHelpOptions(sub);
    }

    /** A usage error: one line saying what is wrong and where to look, exit code 2 (no full usage dump). */
    static int handleUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        cmd.getErr().println("error: " + ex.getMessage());
        cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        return 2;
    }

    /** Exit codes: API and I/O errors 1, bad arguments 2; one message, never a stack trace. */
    static int handleError(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        if (ex instanceof ApiClient.ApiException api) {
            cmd.getErr().println(api.getMessage());
            return 1;
        }
        if (ex instanceof IllegalArgumentException) {
            cmd.getErr().println("error: " + ex.getMessage());
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            return 2;
        }
        cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
        return 1;
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
