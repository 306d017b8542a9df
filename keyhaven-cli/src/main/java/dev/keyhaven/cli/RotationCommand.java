package dev.keyhaven.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code keyhaven rotation ...} (policies, calendar, confirmation) and {@code keyhaven rotate PATH --now} (emergency
 * rotation), over {@code sys/rotation/...}.
 */
@Command(name = "rotation", description = "Manage rotation policies and see the rotation calendar.",
        subcommands = {RotationCommand.PolicyCmd.class, RotationCommand.Status.class, RotationCommand.Confirm.class},
        footer = {"", "Examples:",
                "  keyhaven rotation policy write db path=secret/app/db rotator=postgresql interval=90d overlap=24h \\",
                "      connection_url=jdbc:postgresql://db:5432/app usernames=app_a,app_b admin_path=secret/rotation/pg-admin",
                "  keyhaven rotation status",
                "  keyhaven rotate secret/app/db --now --revoke-previous"})
public final class RotationCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a rotation subcommand is required (policy, status, confirm)");
    }

    @Command(name = "policy", description = "Write, read, list and delete rotation policies.",
            subcommands = {Write.class, Read.class, ListCmd.class, Delete.class})
    static final class PolicyCmd implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "a policy subcommand is required (write, read, list, delete)");
        }
    }

    @Command(name = "write", description = "Create or replace a rotation policy from key=value pairs, or from an HCL/JSON file (or - for stdin).",
            footer = {"", "Keys: path, category, rotator, interval, overlap; any other key is a rotator setting.",
                    "Categories: database (90d), cache (90d), api-key (60d), signing-key (30d), session-secret (30d).", "",
                    "Examples:",
                    "  keyhaven rotation policy write sessions path=secret/web/session category=session-secret format=base64",
                    "  keyhaven rotation policy write db db-rotation.hcl"})
    static final class Write extends KvCommand.Base {
        @Parameters(index = "0", paramLabel = "NAME") String name;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "K=V|FILE|-") List<String> args;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (args.size() == 1 && !args.get(0).contains("=")) {
                body.put("policy", readText(args.get(0)));
            } else {
                for (String a : args) {
                    int eq = a.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("expected key=value, got '" + a + "'");
                    String k = a.substring(0, eq);
                    String v = a.substring(eq + 1);
                    if (v.startsWith("@")) v = readText(v.substring(1)).strip();
                    if (body.containsKey(k)) throw new IllegalArgumentException("key '" + k + "' given twice");
                    body.put(k, v);
                }
            }
            ApiClient.Reply r = client.client().write("sys/rotation/policy/" + name, body);
            if (out().json()) out().printJson(r.body());
            else out().println("Success! Data written to: sys/rotation/policy/" + name);
            return 0;
        }
    }

    static String readText(String file) {
        try {
            return file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    @Command(name = "read", description = "Show a rotation policy.", footer = {"", "Example:", "  keyhaven rotation policy read db"})
    static final class Read extends KvCommand.Base {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            ApiClient.Reply r = client.client().get("sys/rotation/policy/" + name);
            if (out().json()) out().printJson(r.body());
            else out().printTable(r.data());
            return 0;
        }
    }

    @Command(name = "list", description = "List rotation policy names.", footer = {"", "Example:", "  keyhaven rotation policy list"})
    static final class ListCmd extends KvCommand.Base {
        @Override
        public Integer call() {
            ApiClient.Reply r;
            try {
                r = client.client().list("sys/rotation/policy");
            } catch (ApiClient.ApiException e) {
                if (e.status() != 404) throw e;
                if (out().json()) out().printJson(List.of());
                else out().println("No rotation policies.");
                return 0;
            }
            Object keys = r.data().getOrDefault("keys", List.of());
            if (out().json()) out().printJson(keys);
            else out().printList((List<?>) keys, "Keys");
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a rotation policy.", footer = {"", "Example:", "  keyhaven rotation policy delete db"})
    static final class Delete extends KvCommand.Base {
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            client.client().delete("sys/rotation/policy/" + name);
            out().println("Success! Deleted rotation policy: " + name);
            return 0;
        }
    }

    @Command(name = "status", description = "The rotation calendar: every secret under rotation, its policy, last and next rotation; overdue ones flagged. With PATH: one secret and its versions.",
            footer = {"", "Examples:", "  keyhaven rotation status", "  keyhaven rotation status secret/app/db"})
    static final class Status extends KvCommand.Base {
        @Parameters(paramLabel = "PATH", arity = "0..1") String path;

        @Override
        @SuppressWarnings("unchecked")
        public Integer call() {
            if (path != null) {
                ApiClient.Reply r = client.client().get("sys/rotation/status/" + KvCommand.clean(path));
                if (out().json()) {
                    out().printJson(r.body());
                    return 0;
                }
                Map<String, Object> d = new LinkedHashMap<>(r.data());
                Object versions = d.remove("versions");
                out().printTable(d);
                if (versions instanceof List<?> vs && !vs.isEmpty()) {
                    out().println("");
                    List<List<String>> rows = new ArrayList<>();
                    rows.add(List.of("VERSION", "STATE", "LABEL", "PROMOTED", "RETIRE AFTER", "RETIRED"));
                    for (Object o : vs) {
                        Map<String, Object> v = (Map<String, Object>) o;
                        rows.add(List.of(s(v.get("version")), s(v.get("state")), s(v.get("label")), s(v.get("promoted")), s(v.get("retire_after")), s(v.get("retired"))));
                    }
                    printRows(rows);
                }
                return 0;
            }
            ApiClient.Reply r = client.client().get("sys/rotation/status");
            if (out().json()) {
                out().printJson(r.body());
                return 0;
            }
            List<?> secrets = (List<?>) r.data().getOrDefault("secrets", List.of());
            if (secrets.isEmpty()) {
                out().println("No secrets under rotation.");
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("PATH", "POLICY", "ROTATOR", "STATE", "CURRENT", "LAST ROTATION", "NEXT ROTATION", "OVERDUE"));
            for (Object o : secrets) {
                Map<String, Object> e = (Map<String, Object>) o;
                rows.add(List.of(s(e.get("path")), s(e.get("policy")), s(e.get("rotator")), s(e.get("state")), s(e.get("current_version")),
                        dash(e.get("last_rotation")), dash(e.get("next_rotation")), Boolean.TRUE.equals(e.get("overdue")) ? "OVERDUE" : ""));
            }
            printRows(rows);
            Object overdue = r.data().get("overdue_count");
            if (overdue instanceof Number n && n.intValue() > 0) out().println("\n" + n.intValue() + " secret(s) overdue for rotation.");
            return 0;
        }

        private void printRows(List<List<String>> rows) {
            int[] w = new int[rows.get(0).size()];
            for (List<String> row : rows) for (int i = 0; i < row.size(); i++) w[i] = Math.max(w[i], row.get(i).length());
            for (List<String> row : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < row.size(); i++) {
                    if (i > 0) sb.append("  ");
                    sb.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + w[i] + "s", row.get(i)));
                }
                out().println(sb.toString().stripTrailing());
            }
        }
    }

    private static String s(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    private static String dash(Object o) {
        String v = s(o);
        return v.isEmpty() ? "-" : v;
    }

    @Command(name = "confirm", description = "Supply the new value for a rotation waiting for confirmation (webhook rotator).",
            footer = {"", "Example:", "  keyhaven rotation confirm secret/app/stripe api_key=@new-key.txt"})
    static final class Confirm extends KvCommand.Base {
        @Parameters(index = "0", paramLabel = "PATH") String path;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "K=V") List<String> pairs;

        @Override
        public Integer call() {
            Map<String, Object> data = KvCommand.parseKv(pairs, System.in);
            ApiClient.Reply r = client.client().write("sys/rotation/confirm/" + KvCommand.clean(path), Map.of("data", data));
            if (out().json()) out().printJson(r.body());
            else out().println("Success! Rotation of " + KvCommand.clean(path) + " confirmed; now version " + r.data().get("current_version") + ".");
            return 0;
        }
    }

    /** {@code keyhaven rotate PATH --now [--revoke-previous]}: emergency rotation, recorded as an incident. */
    @Command(name = "rotate", description = "Rotate a secret now (emergency rotation, recorded as an incident in the audit log).",
            footer = {"", "Without --revoke-previous the previous value stays valid for the policy's overlap; with it, the old value",
                    "is invalidated at once (database sessions of the old user are ended).", "",
                    "Examples:", "  keyhaven rotate secret/app/db --now", "  keyhaven rotate secret/app/db --now --revoke-previous"})
    static final class Rotate extends KvCommand.Base {
        @Parameters(paramLabel = "PATH") String path;
        @Option(names = {"--now", "-now"}, description = "Rotate immediately (required: scheduled rotation follows the policy).") boolean now;
        @Option(names = {"--revoke-previous", "-revoke-previous"}, description = "Skip the overlap: invalidate the previous value at once.") boolean revokePrevious;

        @Override
        public Integer call() {
            if (!now) throw new IllegalArgumentException("rotate needs --now (scheduled rotations follow the policy; see 'keyhaven rotation status')");
            String p = KvCommand.clean(path);
            ApiClient.Reply r = client.client().write("sys/rotation/rotate/" + p, Map.of("revoke_previous", revokePrevious));
            if (out().json()) {
                out().printJson(r.body());
                return 0;
            }
            if (r.status() == 202) {
                out().println("Rotation of " + p + " requested; waiting for the new value at sys/rotation/confirm/" + p + " (the old value stays valid until then).");
            } else {
                Object prev = r.data().get("previous_version");
                out().println("Success! Rotated " + p + ": now version " + r.data().get("current_version")
                        + (revokePrevious || prev == null || "0".equals(String.valueOf(prev)) ? "; previous version revoked."
                        : "; previous version " + prev + " valid until " + r.data().get("previous_valid_until") + "."));
            }
            return 0;
        }
    }
}
