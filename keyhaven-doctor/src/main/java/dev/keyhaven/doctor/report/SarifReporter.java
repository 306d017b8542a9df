package dev.keyhaven.doctor.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyhaven.doctor.Check;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.Report;
import java.io.IOException;
import java.io.Writer;
import java.util.HashMap;
import java.util.Map;

/**
 * SARIF 2.1.0: one rule per check (help text with the fix, properties.security-severity), one result per finding
 * with level per severity (critical/high → error, medium → warning, low/info → note) and partialFingerprints.
 */
public final class SarifReporter {
    private static final ObjectMapper M = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SarifReporter() {}

    public static ObjectNode toSarif(Report r) {
        ObjectNode root = M.createObjectNode();
        root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "keyhaven-doctor").put("informationUri", "https://keyhaven.dev/docs/doctor").put("semanticVersion", "0.1.0");
        ArrayNode rules = driver.putArray("rules");
        Map<String, Integer> index = new HashMap<>();
        for (Check c : r.checks()) {
            index.put(c.id(), index.size());
            ObjectNode rule = rules.addObject();
            rule.put("id", c.id()).put("name", camel(c.slug()));
            rule.putObject("shortDescription").put("text", c.title());
            rule.putObject("fullDescription").put("text", c.why());
            rule.putObject("help").put("text", "Fix: " + c.fix()).put("markdown", "**Why:** " + c.why() + "\n\n**Fix:** " + c.fix());
            rule.putObject("defaultConfiguration").put("level", c.defaultSeverity().sarifLevel());
            ObjectNode props = rule.putObject("properties");
            props.put("security-severity", c.defaultSeverity().securitySeverity());
            ArrayNode tags = props.putArray("tags").add("security").add(c.family().name().toLowerCase(java.util.Locale.ROOT));
            c.baseline().osps().forEach(tags::add); // OSPS Baseline controls, e.g. OSPS-BR-07.01
            c.baseline().related().forEach(props.putArray("related")::add);
        }
        ArrayNode results = run.putArray("results");
        for (Finding f : r.findings()) {
            ObjectNode res = results.addObject();
            res.put("ruleId", f.checkId()).put("ruleIndex", index.get(f.checkId())).put("level", f.severity().sarifLevel());
            res.putObject("message").put("text", f.message());
            ObjectNode loc = res.putArray("locations").addObject().putObject("physicalLocation");
            loc.putObject("artifactLocation").put("uri", f.location().path().isEmpty() ? "." : f.location().path()).put("uriBaseId", "%SRCROOT%");
            if (f.location().line() > 0) loc.putObject("region").put("startLine", f.location().line());
            res.putObject("partialFingerprints").put("keyhavenDoctor/v1", f.fingerprint());
            ObjectNode props = res.putObject("properties");
            props.put("security-severity", f.severity().securitySeverity());
            props.put("severity", f.severity().label());
        }
        for (Report.Suppressed s : r.suppressed()) {
            Finding f = s.finding();
            ObjectNode res = results.addObject();
            res.put("ruleId", f.checkId()).put("ruleIndex", index.get(f.checkId())).put("level", f.severity().sarifLevel());
            res.putObject("message").put("text", f.message());
            ObjectNode loc = res.putArray("locations").addObject().putObject("physicalLocation");
            loc.putObject("artifactLocation").put("uri", f.location().path().isEmpty() ? "." : f.location().path()).put("uriBaseId", "%SRCROOT%");
            if (f.location().line() > 0) loc.putObject("region").put("startLine", f.location().line());
            res.putObject("partialFingerprints").put("keyhavenDoctor/v1", f.fingerprint());
            res.putArray("suppressions").addObject().put("kind", "inSource").put("justification", s.reason());
        }
        run.putObject("originalUriBaseIds").putObject("%SRCROOT%").put("uri", java.nio.file.Path.of(r.root()).toUri().toString());
        return root;
    }

    static String camel(String slug) {
        StringBuilder sb = new StringBuilder();
        for (String p : slug.split("-")) if (!p.isEmpty()) sb.append(Character.toUpperCase(p.charAt(0))).append(p.substring(1));
        return sb.toString();
    }

    public static void write(Report r, Writer w) throws IOException {
        M.writeValue(new JsonReporter.NonClosing(w), toSarif(r));
        w.write("\n");
        w.flush();
    }
}
