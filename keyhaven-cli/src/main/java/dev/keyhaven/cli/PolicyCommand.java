package dev.keyhaven.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code keyhaven policy ...}: manage ACL policies (HCL or JSON). */
@Command(name = "policy", description = "Write, read, list and delete ACL policies.",
        subcommands = {PolicyCommand.Write.class, PolicyCommand.Read.class, PolicyCommand.ListCmd.class, PolicyCommand.Delete.class},
        footer = {"", "Example:", "  keyhaven policy write app-read app-read.hcl"})
public final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a policy subcommand is required (write, read, list, delete)");
    }

    @Command(name = "write", description = "Create or replace a policy from a file (or - for stdin).",
            footer = {"", "Example:", "  echo 'path \"secret/data/app/*\" { capabilities = [\"read\"] }' | keyhaven policy write app-read -"})
    static final class Write extends KvCommand.Base {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1", paramLabel = "FILE|-") String file;

        @Override
        public Integer call() {
            String text;
            try {
                text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read policy file " + file + ": " + e.getMessage());
            }
            client.client().write("sys/policies/acl/" + name, Map.of("policy", text));
            out().println("Success! Uploaded policy: " + name);
            return 0;
        }
    }

    @Command(name = "read", description = "Print a policy's text.", footer = {"", "Example:", "  keyhaven policy read default"})
    static final class Read extends KvCommand.Base {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            ApiClient.Reply r = client.client().get("sys/policies/acl/" + name);
            if (out().json()) out().printJson(r.body());
            else out().println(String.valueOf(r.data().getOrDefault("policy", "")));
            return 0;
        }
    }

    @Command(name = "list", description = "List policy names.", footer = {"", "Example:", "  keyhaven policy list"})
    static final class ListCmd extends KvCommand.Base {
        @Override
        public Integer call() {
            ApiClient.Reply r = client.client().list("sys/policies/acl");
            Object keys = r.data().getOrDefault("keys", List.of());
            if (out().json()) out().printJson(keys);
            else for (Object k : (List<?>) keys) out().println(String.valueOf(k));
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a policy.", footer = {"", "Example:", "  keyhaven policy delete app-read"})
    static final class Delete extends KvCommand.Base {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            client.client().delete("sys/policies/acl/" + name);
            out().println("Success! Deleted policy: " + name);
            return 0;
        }
    }
}
