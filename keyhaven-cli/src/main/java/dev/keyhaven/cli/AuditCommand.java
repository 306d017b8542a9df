package dev.keyhaven.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyhaven.core.audit.AuditChain;
import dev.keyhaven.core.audit.AuditPruner;
import dev.keyhaven.core.audit.AuditTimes;
import dev.keyhaven.core.audit.AuditVerifier;
import dev.keyhaven.core.audit.CheckpointSigner;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code keyhaven audit verify|prune|query}: checks a log's hash chain and checkpoint signatures, moves old entries
 * into checksummed backups, and answers "who read what, when, from where" from the store device.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Tamper-evident audit log: verify, prune, query.",
        footer = {"", "Examples:", "  keyhaven audit verify /var/log/keyhaven/audit.log --pubkey audit.pub",
                "  keyhaven audit prune --older-than 90d --backup /backups/audit", "  keyhaven audit query --path 'secret/data/app/*' --since 1h"},
        subcommands = {AuditCommand.Verify.class, AuditCommand.Prune.class, AuditCommand.Query.class})
public final class AuditCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: verify, prune or query");
    }

    /** Server connection options shared by prune and query (same names and fallbacks as the other commands). */
    static final class Server {
        @Option(names = {"-address", "--address"}, paramLabel = "URL",
                description = "Server address (default: $KEYHAVEN_ADDR, $VAULT_ADDR, else http://127.0.0.1:8200).")
        String address;

        @Option(names = {"-token", "--token"}, paramLabel = "TOKEN",
                description = "Token with sudo on sys/audit-* (default: $KEYHAVEN_TOKEN, $VAULT_TOKEN, ~/.vault-token).")
        String token;

        @Option(names = {"-ca-cert", "--ca-cert"}, paramLabel = "FILE", description = "PEM CA certificate to trust for TLS (default: $KEYHAVEN_CACERT, $VAULT_CACERT).")
        Path caCert;

        JsonNode call(String method, String path, Map<String, String> query, Map<String, Object> body) {
            ClientOptions o = new ClientOptions();
            o.address = address;
            o.caCert = caCert;
            String t = token != null && !token.isBlank() ? token.trim() : ClientOptions.resolveToken();
            if (t == null) throw new IllegalArgumentException("no token: pass --token or set KEYHAVEN_TOKEN");
            ApiClient client = new ApiClient(o.resolveAddress(), t, o.resolveCaCert());
            String p = query == null || query.isEmpty() ? path : path + ApiClient.query(query);
            return Json.MAPPER.valueToTree(client.call(method, p, body).body());
        }
    }

    static String device(String d) {
        String p = d.trim();
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        if (p.isEmpty()) throw new IllegalArgumentException("--device must not be empty");
        return p;
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Recompute the hash chain of audit log files (plain or .gz, several in order: backup first, then the rest) and report the first removed, reordered or edited entry.",
                "Exit status: 0 chain intact, 1 problem found, 2 usage error."},
            footer = {"", "Examples:", "  keyhaven audit verify audit.log --pubkey audit.pub",
                    "  keyhaven audit verify backups/audit-1-5000.jsonl.gz audit.log   # backup first, then the rest"})
    static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Log files in chain order.")
        List<Path> files;

        @Option(names = "--pubkey", paramLabel = "K", description = "PEM file with the Ed25519 public key (GET sys/audit-pubkey) to check checkpoint signatures.")
        Path pubkey;

        @Option(names = "--expect-head", paramLabel = "SEQ[:HASH]",
                description = "The device's head (GET sys/audit-head/:path): also catches entries removed from the end and an edited last entry.")
        String expectHead;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Optional<PublicKey> key = Optional.empty();
            if (pubkey != null) {
                try {
                    key = Optional.of(CheckpointSigner.parsePublicKey(Files.readString(pubkey)));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--pubkey " + pubkey + ": " + e.getMessage());
                }
            }
            Optional<AuditChain.Head> head = Optional.empty();
            if (expectHead != null) {
                String[] parts = expectHead.trim().split(":", 2);
                try {
                    long seq = Long.parseLong(parts[0]);
                    String hash = parts.length > 1 ? parts[1].toLowerCase(java.util.Locale.ROOT) : null;
                    if (seq < 0 || hash != null && !hash.matches("[0-9a-f]{64}")) throw new NumberFormatException();
                    head = Optional.of(new AuditChain.Head(seq, hash));
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--expect-head must be SEQ or SEQ:HASH (64 hex digits)");
                }
            }
            for (Path f : files) {
                if (!Files.isRegularFile(f)) throw new CommandLine.ParameterException(spec.commandLine(), "no such file: " + f);
                if (f.getFileName().toString().endsWith(".gz") && Files.exists(f.resolveSibling(f.getFileName() + ".sha256"))) {
                    String problem = AuditPruner.checkBackup(f);
                    if (problem != null) {
                        err.println(f + ": " + problem);
                        return 1;
                    }
                    out.println(f.getFileName() + ": backup checksum ok");
                }
            }
            AuditVerifier.Result r = new AuditVerifier(key, head).verifyFiles(files);
            (r.ok() ? out : err).println(r.message());
            return r.ok() ? 0 : 1;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = {"Move audit entries older than a cut into DIR/audit-<from>-<to>.jsonl.gz (+ .sha256) and keep the rest verifiable.",
                "Without --file: the server's store device (entries are backed up locally first, then deleted on the server).",
                "With --file: a log file not being written (rotate it first), rewritten in place."},
            footer = {"", "Examples:", "  keyhaven audit prune --older-than 90d --backup /backups/audit",
                    "  keyhaven audit prune --file audit.log.1 --older-than 30d --backup /backups/audit"})
    static final class Prune implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--older-than", required = true, paramLabel = "AGE", description = "e.g. 90d, 12h, 2w")
        String olderThan;

        @Option(names = "--backup", required = true, paramLabel = "DIR", description = "Directory for the compressed, checksummed backup.")
        Path backup;

        @Option(names = "--file", paramLabel = "FILE", description = "Prune this log file instead of the server's store device.")
        Path file;

        @Option(names = "--device", defaultValue = "store", description = "Store device path on the server (default: ${DEFAULT-VALUE}).")
        String device;

        @CommandLine.Mixin
        Server server;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Duration age;
            try {
                age = AuditTimes.duration(olderThan);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--older-than: " + e.getMessage());
            }
            Instant cut = Instant.now().minus(age);
            if (file != null) {
                if (!Files.isRegularFile(file)) throw new CommandLine.ParameterException(spec.commandLine(), "no such file: " + file);
                out.println(AuditPruner.pruneFile(file, cut, backup).describe());
                return 0;
            }
            String dev = device(device);
            List<byte[]> lines = new ArrayList<>();
            long from = -1;
            long to = -1;
            String anchorPrev = null;
            long next = 0;
            while (true) {
                Map<String, String> q = new LinkedHashMap<>();
                q.put("before", cut.toString());
                q.put("from_seq", Long.toString(next));
                q.put("limit", "5000");
                JsonNode d = server.call("GET", "sys/audit-prune/" + dev, q, null).path("data");
                if (anchorPrev == null) anchorPrev = d.path("anchor_prev").asText();
                JsonNode ls = d.path("lines");
                for (JsonNode l : ls) lines.add(l.asText().getBytes(StandardCharsets.UTF_8));
                if (ls.size() > 0) {
                    if (from < 0) from = d.path("first_seq").asLong();
                    to = d.path("last_seq").asLong();
                    next = to + 1;
                }
                if (!d.path("more").asBoolean(false) || ls.size() == 0) break;
            }
            if (lines.isEmpty()) {
                out.println("nothing to prune: no entry older than " + olderThan);
                return 0;
            }
            // check what we are about to keep as the only copy before anything is deleted
            List<byte[]> check = new ArrayList<>();
            if (from > 1) check.add(Json.write(Map.of("type", AuditChain.ANCHOR_TYPE, "first_seq", from, "prev", anchorPrev)));
            check.addAll(lines);
            AuditVerifier.Result r = new AuditVerifier(Optional.empty(), Optional.empty())
                    .verify(List.of(new AuditVerifier.Source("export", check.iterator())));
            if (!r.ok() || r.lastSeq() != to) {
                spec.commandLine().getErr().println("refusing to prune: the exported entries do not verify: " + r.message());
                return 1;
            }
            AuditPruner.Backup b = AuditPruner.writeBackup(backup, from, to, anchorPrev, lines);
            String prev = AuditChain.sha256Hex(lines.get(lines.size() - 1));
            server.call("POST", "sys/audit-prune/" + dev, null, Map.<String, Object>of("first_kept", to + 1, "prev", prev));
            out.println("pruned entries " + from + ".." + to + " of " + dev + "/ into " + b.file() + " (sha256 " + b.sha256() + ")");
            return 0;
        }
    }

    @Command(name = "query", mixinStandardHelpOptions = true,
            description = "Who read what, when, from where: entries of the server's store device, as a table or JSON.",
            footer = {"", "Example:", "  keyhaven audit query --path 'secret/data/app/*' --since 1h --operation read --format json"})
    static final class Query implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--path", paramLabel = "GLOB", description = "Request path glob, e.g. 'secret/data/app/*'.")
        String path;

        @Option(names = "--since", description = "Duration (1h, 7d) or RFC 3339 time.")
        String since;

        @Option(names = "--until", description = "Duration (1h, 7d) or RFC 3339 time.")
        String until;

        @Option(names = "--accessor", description = "Token accessor (raw; the server matches its HMAC).")
        String accessor;

        @Option(names = "--operation", description = "read, create, update, patch, delete or list.")
        String operation;

        @Option(names = "--type", defaultValue = "response", description = "response (one row per call), request or all (default: ${DEFAULT-VALUE}).")
        String type;

        @Option(names = "--limit", defaultValue = "1000", description = "Most recent rows to show (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--device", defaultValue = "store", description = "Store device path (default: ${DEFAULT-VALUE}).")
        String device;

        @CommandLine.Mixin
        Server server;

        @Override
        public Integer call() throws Exception {
            if (!format.equals("table") && !format.equals("json")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--format must be table or json");
            }
            Map<String, String> q = new LinkedHashMap<>();
            if (path != null) q.put("path", path);
            if (since != null) q.put("since", since);
            if (until != null) q.put("until", until);
            if (accessor != null) q.put("accessor", accessor);
            if (operation != null) q.put("operation", operation);
            q.put("type", type);
            q.put("limit", Integer.toString(limit));
            JsonNode d = server.call("GET", "sys/audit-query/" + device(device), q, null).path("data");
            PrintWriter out = spec.commandLine().getOut();
            if (format.equals("json")) {
                out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(d.path("entries")));
                return 0;
            }
            String[] cols = {"time", "operation", "path", "display_name", "accessor", "remote_address", "error"};
            String[] heads = {"TIME", "OPERATION", "PATH", "WHO", "ACCESSOR", "FROM", "ERROR"};
            List<String[]> rows = new ArrayList<>();
            for (JsonNode e : d.path("entries")) {
                String[] row = new String[cols.length];
                for (int i = 0; i < cols.length; i++) {
                    String v = e.path(cols[i]).asText("");
                    if (cols[i].equals("accessor") && v.startsWith("hmac-sha256:")) v = v.substring(12, 24) + "…";
                    if (cols[i].equals("time") && v.length() > 19) v = v.substring(0, 19).replace('T', ' ');
                    row[i] = v;
                }
                rows.add(row);
            }
            int[] w = new int[cols.length];
            for (int i = 0; i < cols.length; i++) w[i] = heads[i].length();
            for (String[] r : rows) for (int i = 0; i < cols.length; i++) w[i] = Math.max(w[i], r[i].length());
            out.println(line(heads, w));
            for (String[] r : rows) out.println(line(r, w));
            out.println(rows.size() + " entr" + (rows.size() == 1 ? "y" : "ies"));
            return 0;
        }

        private static String line(String[] cells, int[] w) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) sb.append("  ");
                sb.append(i == cells.length - 1 ? cells[i] : String.format("%-" + w[i] + "s", cells[i]));
            }
            return sb.toString().stripTrailing();
        }
    }
}
