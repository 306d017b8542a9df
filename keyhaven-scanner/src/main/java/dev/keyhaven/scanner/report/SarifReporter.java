package dev.keyhaven.scanner.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyhaven.scanner.Finding;
import dev.keyhaven.scanner.rules.Rule;
import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SARIF 2.1.0 as GitHub code scanning reads it: one run, tool.driver.rules with help text and
 * {@code properties.security-severity}, results with a physical location (uri relative to %SRCROOT%),
 * {@code partialFingerprints} (our stable fingerprint) and a redacted message.
 */
final class SarifReporter {
    private SarifReporter() {
    }

    static void write(Report r, Writer out) throws IOException {
        ObjectNode root = JsonReporter.JSON.createObjectNode();
        root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "keyhaven-scan");
        driver.put("informationUri", "https://github.com/keyhaven/keyhaven");
        driver.put("semanticVersion", r.toolVersion().replaceAll("[^0-9.].*$", "").isEmpty() ? "0.1.0" : r.toolVersion().replaceAll("[^0-9.].*$", ""));
        ArrayNode rules = driver.putArray("rules");
        Map<String, Integer> index = new LinkedHashMap<>();
        for (Finding f : r.findings()) {
            if (index.containsKey(f.ruleId())) {
                continue;
            }
            index.put(f.ruleId(), index.size());
            Rule rule = r.rules().rule(f.ruleId()).orElse(null);
            ObjectNode rn = rules.addObject();
            rn.put("id", f.ruleId());
            rn.put("name", camel(f.ruleId()));
            rn.putObject("shortDescription").put("text", f.description());
            rn.putObject("fullDescription").put("text", f.description() + " detected in source or history.");
            String help = rule != null ? rule.help() : f.description();
            rn.putObject("help").put("text", help).put("markdown", "**" + f.description() + "**\n\n" + help);
            rn.putObject("defaultConfiguration").put("level", f.severity().sarifLevel());
            ObjectNode props = rn.putObject("properties");
            props.putArray("tags").add("security").add("secret").add("external/cwe/cwe-798");
            props.put("security-severity", f.severity().securitySeverity());
            props.put("precision", rule != null && rule.validator().isPresent() ? "very-high" : "high");
            props.put("problem.severity", f.severity().sarifLevel().equals("note") ? "recommendation" : f.severity().sarifLevel());
        }
        ArrayNode results = run.putArray("results");
        for (Finding f : r.findings()) {
            ObjectNode res = results.addObject();
            res.put("ruleId", f.ruleId());
            res.put("ruleIndex", index.get(f.ruleId()));
            res.put("level", f.kind() == Finding.Kind.PLACEHOLDER ? "note" : f.severity().sarifLevel());
            String msg = (f.kind() == Finding.Kind.PLACEHOLDER ? "Placeholder value for: " : "") + f.description() + ": "
                    + r.secretOf(f) + f.commit().map(c -> " (introduced in commit " + c.shortSha() + ")").orElse("");
            res.putObject("message").put("text", msg);
            ObjectNode phys = res.putArray("locations").addObject().putObject("physicalLocation");
            phys.putObject("artifactLocation").put("uri", uri(f.path())).put("uriBaseId", "%SRCROOT%");
            phys.putObject("region").put("startLine", Math.max(1, f.line())).put("startColumn", Math.max(1, f.column()));
            res.putObject("partialFingerprints").put("keyhaven/v1", f.fingerprint());
            ObjectNode props = res.putObject("properties");
            props.put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT));
            f.commit().ifPresent(c -> {
                props.put("commitSha", c.sha());
                props.put("author", c.author());
                props.put("date", c.date().toString());
            });
        }
        run.put("columnKind", "unicodeCodePoints");
        JsonReporter.JSON.writeValue(out, root);
        out.write("\n");
    }

    private static String uri(String path) {
        StringBuilder sb = new StringBuilder();
        for (char c : path.toCharArray()) {
            if (c == ' ' || c == '%' || c == '#' || c == '?' || c > 126) {
                for (byte b : String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    sb.append('%').append(String.format("%02X", b));
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String camel(String id) {
        StringBuilder sb = new StringBuilder();
        for (String p : id.split("-")) {
            if (!p.isEmpty()) {
                sb.append(Character.toUpperCase(p.charAt(0))).append(p.substring(1));
            }
        }
        return sb.toString();
    }
}
