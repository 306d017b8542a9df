package dev.keyhaven.cli;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keyhaven run [--path P]… [--env-file F]… [--require-from EXAMPLE] [--files] -- CMD ARGS…}: starts CMD with
 * resolved secrets in its environment. Priority, as the SDK's chain: a name already in this process's environment
 * wins, then the env files (a later file wins), then the secrets at {@code --path} (a later path wins). CMD's
 * stdio is this process's; its exit code is returned (128+N when it died of signal N); SIGTERM, SIGINT and SIGHUP
 * received here are forwarded to it. {@code run} itself never prints a value.
 */
@Command(name = "run", description = {"Run a command with secrets in its environment.",
        "A variable already set in the environment wins, then --env-file files (a later file wins), then the fields of the --path secrets (a later path wins). "
                + "The command's exit code is returned (128+N if it died of signal N); SIGTERM, SIGINT and SIGHUP are forwarded to it."},
        footer = {"", "Exit status: the command's; 1 if secrets cannot be resolved or --require-from fails (the command is not started); 127 if it cannot be started.",
                "", "Examples:", "  keyhaven run --path secret/app -- ./server --port 8080",
                "  keyhaven run --env-file .env --path secret/app --require-from .env.example -- npm start",
                "  keyhaven run --path secret/app --files -- java -jar app.jar   # also DB_PASSWORD_FILE=<private temp file>"})
public final class RunCommand implements Callable<Integer> {
    @Mixin EnvCommand.Connection connection;
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-path", "--path"}, paramLabel = "PATH",
            description = "KV secret (v1 or v2) whose fields become variables; repeatable.") List<String> paths = new ArrayList<>();
    @Option(names = {"-env-file", "--env-file"}, paramLabel = "FILE",
            description = "Dotenv file to load; repeatable. A missing file is an error.") List<Path> envFiles = new ArrayList<>();
    @Option(names = {"-require-from", "--require-from"}, paramLabel = "EXAMPLE",
            description = "Do not start the command unless every key of this example file (e.g. .env.example) has a real value (not empty, not a placeholder).") Path requireFrom;
    @Option(names = {"-files", "--files", "--as-files"},
            description = "Also write each resolved variable to a file in a private temp directory (removed on exit) and set NAME_FILE to its path.") boolean files;
    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments (put them after --).") List<String> command;

    /** The command, parsed so that everything from CMD on is CMD's ({@code keyhaven run ls -l} works without {@code --}). */
    static CommandLine commandLine() {
        return new CommandLine(new RunCommand()).setStopAtPositional(true);
    }

    private static final String[] FORWARDED = {"TERM", "INT", "HUP"};

    @Override
    public Integer call() {
        Map<String, String> parent = ClientOptions.env;
        LinkedHashMap<String, String> fromFiles = EnvCommand.readEnvFiles(envFiles, parent);
        LinkedHashMap<String, String> fromServer = new LinkedHashMap<>();
        if (!paths.isEmpty()) {
            ApiClient api = connection.client();
            for (String p : paths) {
                for (Map.Entry<String, Object> e : EnvCommand.readSecret(api, p).entrySet()) {
                    if (!EnvCommand.ENV_NAME.matcher(e.getKey()).matches()) {
                        throw new IllegalStateException("secret " + p + " has field \"" + e.getKey()
                                + "\", which is not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
                    }
                    fromServer.put(e.getKey(), EnvCommand.asString(e.getValue()));
                }
            }
        }
        Map<String, String> childEnv = new LinkedHashMap<>(parent);
        Set<String> names = new LinkedHashSet<>(fromFiles.keySet());
        names.addAll(fromServer.keySet());
        for (String n : names) {
            if (!parent.containsKey(n)) childEnv.put(n, fromFiles.containsKey(n) ? fromFiles.get(n) : fromServer.get(n));
        }
        if (requireFrom != null) {
            List<String> problems = EnvCommand.problems(EnvCommand.exampleKeys(requireFrom), childEnv);
            if (!problems.isEmpty()) {
                throw new IllegalStateException("not starting " + command.get(0) + ": required variables from " + requireFrom
                        + " are not set: " + String.join(", ", problems));
            }
        }
        Path dir = null;
        Thread cleanup = null;
        try {
            if (files) {
                dir = writeFiles(names, childEnv, parent);
                Path d = dir;
                cleanup = new Thread(() -> deleteQuietly(d), "keyhaven-run-cleanup");
                Runtime.getRuntime().addShutdownHook(cleanup);
            }
            return runChild(childEnv);
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
        }
    }

    /** Writes each variable to {@code <private dir>/NAME} (mode 600) and sets {@code NAME_FILE}, unless the parent set it. */
    private static Path writeFiles(Set<String> names, Map<String, String> childEnv, Map<String, String> parent) {
        Path dir;
        try {
            dir = Files.createTempDirectory("keyhaven-run-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot create a private temp directory for --files (" + e.getClass().getSimpleName() + ")");
        }
        try {
            for (String n : names) {
                String fileVar = n + "_FILE";
                if (parent.containsKey(fileVar)) continue;
                Path f = dir.resolve(n);
                Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.write(f, childEnv.get(n).getBytes(StandardCharsets.UTF_8), StandardOpenOption.TRUNCATE_EXISTING);
                childEnv.put(fileVar, f.toString());
            }
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new IllegalStateException("cannot write secret files for --files (" + e.getClass().getSimpleName() + ")");
        }
        return dir;
    }

    private int runChild(Map<String, String> childEnv) {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().clear();
        pb.environment().putAll(childEnv);
        AtomicReference<Process> child = new AtomicReference<>();
        List<String> pending = new ArrayList<>();
        Map<String, Object[]> previous = installForwarders(sig -> {
            Process p = child.get();
            if (p == null) {
                synchronized (pending) {
                    pending.add(sig);
                }
            } else {
                forward(p, sig);
            }
        });
        try {
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage());
                boolean denied = m.contains("error=13");
                spec.commandLine().getErr().println("error: cannot start \"" + command.get(0) + "\": "
                        + (denied ? "permission denied" : m.contains("error=2,") ? "no such file or directory" : e.getClass().getSimpleName()));
                spec.commandLine().getErr().flush();
                return denied ? 126 : 127;
            }
            child.set(p);
            synchronized (pending) {
                pending.forEach(sig -> forward(p, sig));
                pending.clear();
            }
            while (true) {
                try {
                    return p.waitFor();
                } catch (InterruptedException e) {
                    // keep waiting for the child: it decides when we exit
                    Thread.interrupted();
                }
            }
        } finally {
            restoreForwarders(previous);
        }
    }

    /** SIGTERM through {@link Process#destroy()}; SIGINT and SIGHUP through {@code kill}, since the JDK cannot send them. */
    private static void forward(Process p, String sig) {
        if (!p.isAlive()) return;
        if (sig.equals("TERM")) {
            p.destroy();
            return;
        }
        try {
            Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            k.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill(1): the child still gets a terminal's SIGINT/SIGHUP through its process group
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Installs {@code sun.misc.Signal} handlers (module {@code jdk.unsupported}, through reflection) for the
     * forwarded signals; returns the previous handlers (signal, handler) to restore. Where the API or a signal is
     * unavailable, that signal keeps its default behaviour.
     */
    private static Map<String, Object[]> installForwarders(java.util.function.Consumer<String> onSignal) {
        Map<String, Object[]> previous = new LinkedHashMap<>();
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            for (String name : FORWARDED) {
                try {
                    Object signal = signalClass.getConstructor(String.class).newInstance(name);
                    InvocationHandler ih = (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onSignal.accept(name);
                            yield null;
                        }
                        case "toString" -> "keyhaven-run-forward-" + name;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> null;
                    };
                    Object handler = Proxy.newProxyInstance(RunCommand.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
                    Object old = signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
                    previous.put(name, new Object[] {signal, old});
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // this signal cannot be handled here (e.g. reserved by the JVM): it keeps its default
                }
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            // no sun.misc.Signal: signals keep their default behaviour
        }
        return previous;
    }

    private static void restoreForwarders(Map<String, Object[]> previous) {
        if (previous.isEmpty()) return;
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            for (Object[] sh : previous.values()) {
                if (sh[1] != null) signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, sh[0], sh[1]);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // best effort: the process is about to exit anyway
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            if (!Files.exists(dir)) return;
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("warning: could not remove the secret files directory " + dir + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
