package dev.keyhaven.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code keyhaven operator ...}: init, unseal, seal, rotate, key-status. */
@Command(name = "operator", description = "Initialize, unseal, seal and rotate the server's keys.",
        subcommands = {OperatorCommand.Init.class, OperatorCommand.Unseal.class, OperatorCommand.Seal.class,
                OperatorCommand.Rotate.class, OperatorCommand.KeyStatus.class},
        footer = {"", "Example:", "  keyhaven operator init -key-shares=5 -key-threshold=3"})
public final class OperatorCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "an operator subcommand is required (init, unseal, seal, rotate, key-status)");
    }

    @Command(name = "init", description = "Initialize a new server: prints the unseal keys and the initial root token once.",
            footer = {"", "Example:", "  keyhaven operator init -key-shares=5 -key-threshold=3"})
    static final class Init extends KvCommand.Base {
        @Option(names = {"-key-shares", "--key-shares"}, defaultValue = "5") int shares;
        @Option(names = {"-key-threshold", "--key-threshold"}, defaultValue = "3") int threshold;

        @Override
        public Integer call() {
            ApiClient.Reply r = client.client().write("sys/init", Map.of("secret_shares", shares, "secret_threshold", threshold));
            if (out().json()) {
                out().printJson(r.body());
                return 0;
            }
            List<?> keys = (List<?>) r.body().getOrDefault("keys_base64", List.of());
            for (int i = 0; i < keys.size(); i++) out().println("Unseal Key " + (i + 1) + ": " + keys.get(i));
            out().println("\nInitial Root Token: " + r.body().get("root_token"));
            out().println("\nThe server is initialized with " + shares + " key shares and a key threshold of " + threshold
                    + ". Provide " + threshold + " of these keys to `keyhaven operator unseal` after every restart.\n"
                    + "Store them apart from each other; they are not shown again.");
            return 0;
        }
    }

    static void printSealStatus(Output out, Map<String, Object> s) {
        if (out.json()) {
            out.printJson(s);
            return;
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("Seal Type", s.get("type"));
        t.put("Initialized", s.get("initialized"));
        t.put("Sealed", s.get("sealed"));
        t.put("Total Shares", s.get("n"));
        t.put("Threshold", s.get("t"));
        t.put("Unseal Progress", s.get("progress") + "/" + s.get("t"));
        t.put("Unseal Nonce", s.get("nonce"));
        t.put("Version", s.get("version"));
        t.put("Storage Type", s.get("storage_type"));
        t.put("Cluster Name", s.get("cluster_name"));
        out.printTable(t);
    }

    @Command(name = "unseal", description = "Provide one unseal key (prompted without echo when not given; -reset clears progress).",
            footer = {"", "Example:", "  keyhaven operator unseal   # then paste a key at the prompt"})
    static final class Unseal extends KvCommand.Base {
        @Option(names = {"-reset", "--reset"}) boolean reset;
        @Parameters(arity = "0..1", paramLabel = "KEY") String key;

        @Override
        public Integer call() throws IOException {
            Map<String, Object> body;
            if (reset) body = Map.of("reset", true);
            else {
                String k = key;
                if (k == null) {
                    Console c = System.console();
                    if (c != null) {
                        char[] pw = c.readPassword("Unseal Key (will be hidden): ");
                        k = pw == null ? "" : new String(pw);
                    } else {
                        k = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    }
                }
                if (k == null || k.isBlank()) throw new IllegalArgumentException("an unseal key is required");
                body = Map.of("key", k.strip());
            }
            ApiClient.Reply r = client.client().write("sys/unseal", body);
            printSealStatus(out(), r.body());
            return 0;
        }
    }

    @Command(name = "seal", description = "Seal the server (it forgets its keys until unsealed again).",
            footer = {"", "Example:", "  keyhaven operator seal"})
    static final class Seal extends KvCommand.Base {
        @Override
        public Integer call() {
            client.client().write("sys/seal", Map.of());
            out().println("Success! Keyhaven is sealed.");
            return 0;
        }
    }

    @Command(name = "rotate", description = "Add a new encryption key term; new writes use it, old data stays readable.",
            footer = {"", "Example:", "  keyhaven operator rotate"})
    static final class Rotate extends KvCommand.Base {
        @Override
        public Integer call() {
            ApiClient api = client.client();
            api.write("sys/rotate", Map.of());
            ApiClient.Reply r = api.get("sys/key-status");
            Map<String, Object> s = r.data().isEmpty() ? r.body() : r.data();
            if (out().json()) out().printJson(s);
            else out().println("Success! Rotated key\n\nKey Term        " + s.get("term") + "\nInstall Time    " + s.get("install_time"));
            return 0;
        }
    }

    @Command(name = "key-status", description = "Show the current encryption key term.",
            footer = {"", "Example:", "  keyhaven operator key-status"})
    static final class KeyStatus extends KvCommand.Base {
        @Override
        public Integer call() {
            ApiClient.Reply r = client.client().get("sys/key-status");
            Map<String, Object> s = r.data().isEmpty() ? r.body() : r.data();
            if (out().json()) out().printJson(s);
            else out().printTable(s);
            return 0;
        }
    }
}
