package dev.keyhaven.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code keyhaven alerts [list|get ID|ack ID]}: the security alerts the server raised (brute force, usage spikes,
 * use of expired or revoked credentials), from {@code sys/alerts}. Without a subcommand it lists.
 */
@Command(name = "alerts", description = "List, show and acknowledge security alerts (brute force, usage spikes, expired credentials).",
        subcommands = {AlertsCommand.ListCmd.class, AlertsCommand.Get.class, AlertsCommand.Ack.class},
        footer = {"", "Examples:", "  keyhaven alerts", "  keyhaven alerts list -since=1h -unacknowledged", "  keyhaven alerts ack 20300101T120000.000Z-1a2b3c4d",
                "  keyhaven alerts -format=json"})
public final class AlertsCommand extends KvCommand.Base {
    static final Pattern DURATION = Pattern.compile("(\\d+|(\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h|d))+");
    static final Pattern ID = Pattern.compile("\\d{8}T\\d{6}\\.\\d{3}Z-[0-9a-f]{8}");

    @Option(names = {"-since", "--since"}, paramLabel = "DURATION", description = "Only alerts raised within this long, e.g. 1h, 30m, 7d.")
    String since;

    @Option(names = {"-unacknowledged", "--unacknowledged"}, description = "Only alerts nobody acknowledged yet.")
    boolean unacknowledged;

    @Override
    public Integer call() {
        return list(this, since, unacknowledged);
    }

    static int list(KvCommand.Base cmd, String since, boolean unacknowledged) {
        Map<String, String> q = new LinkedHashMap<>();
        if (since != null) {
            if (!DURATION.matcher(since.strip()).matches()) {
                throw new IllegalArgumentException("invalid -since value \"" + since + "\": use a duration such as 30m, 1h or 7d");
            }
            q.put("since", since.strip());
        }
        if (unacknowledged) q.put("unacknowledged", "true");
        ApiClient.Reply r;
        try {
            r = cmd.client.client().list("sys/alerts" + (q.isEmpty() ? "" : ApiClient.query(q)));
        } catch (ApiClient.ApiException e) {
            if (e.status() == 404 && e.errors().isEmpty()) {
                if (cmd.out().json()) cmd.out().printJson(Map.of("keys", List.of(), "key_info", Map.of()));
                else cmd.out().println("No alerts.");
                return 0;
            }
            throw e;
        }
        if (cmd.out().json()) {
            cmd.out().printJson(r.data());
            return 0;
        }
        Map<String, Object> info = KvCommand.Base.map(r.data().get("key_info"));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "Rule", "Severity", "Time", "Ack", "Subject"});
        if (r.data().get("keys") instanceof List<?> keys) {
            for (Object k : keys) {
                Map<String, Object> i = KvCommand.Base.map(info.get(String.valueOf(k)));
                rows.add(new String[] {String.valueOf(k), str(i.get("rule")), str(i.get("severity")), str(i.get("time")),
                        Boolean.TRUE.equals(i.get("acknowledged")) ? "yes" : "no", str(i.get("subject"))});
            }
        }
        cmd.out().println(table(rows));
        return 0;
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }

    static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) for (int c = 0; c < cols; c++) w[c] = Math.max(w[c], r[c].length());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                line.append(c == cols - 1 ? r[c] : r[c] + " ".repeat(w[c] - r[c].length() + 4));
            }
            sb.append(line.toString().stripTrailing());
            if (i < rows.size() - 1) sb.append('\n');
            if (i == 0) {
                StringBuilder dash = new StringBuilder();
                for (int c = 0; c < cols; c++) dash.append(c == cols - 1 ? "-".repeat(r[c].length()) : "-".repeat(r[c].length()) + " ".repeat(w[c] - r[c].length() + 4));
                sb.append(dash.toString().stripTrailing());
                if (rows.size() > 1) sb.append('\n');
            }
        }
        return sb.toString();
    }

    static String checkId(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid alert id \"" + id + "\": ids look like 20300101T120000.000Z-1a2b3c4d (see 'keyhaven alerts list')");
        }
        return id;
    }

    @Command(name = "list", description = "List alerts, oldest first.", footer = {"", "Example:", "  keyhaven alerts list -since=1h"})
    static final class ListCmd extends KvCommand.Base {
        @Option(names = {"-since", "--since"}, paramLabel = "DURATION", description = "Only alerts raised within this long, e.g. 1h, 30m, 7d.")
        String since;

        @Option(names = {"-unacknowledged", "--unacknowledged"}, description = "Only alerts nobody acknowledged yet.")
        boolean unacknowledged;

        @Override
        public Integer call() {
            return list(this, since, unacknowledged);
        }
    }

    @Command(name = "get", description = "Show one alert.", footer = {"", "Example:", "  keyhaven alerts get 20300101T120000.000Z-1a2b3c4d"})
    static final class Get extends KvCommand.Base {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            ApiClient.Reply r = client.client().get("sys/alerts/" + checkId(id));
            if (out().json()) out().printJson(r.body());
            else out().printTable(r.data());
            return 0;
        }
    }

    @Command(name = "ack", description = "Acknowledge an alert (records who and when).",
            footer = {"", "Example:", "  keyhaven alerts ack 20300101T120000.000Z-1a2b3c4d"})
    static final class Ack extends KvCommand.Base {
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            ApiClient.Reply r = client.client().write("sys/alerts/ack/" + checkId(id), Map.of());
            if (out().json()) out().printJson(r.body());
            else out().println("Success! Acknowledged alert " + id + " (" + r.data().getOrDefault("rule", "") + ", " + r.data().getOrDefault("subject", "") + ")");
            return 0;
        }
    }

}
