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

/** JSON output, schema {@code json-v1}: {schema, root, score, checks[{id, slug, family, severity, passed}], findings[], suppressed[]}. */
public final class JsonReporter {
    private static final ObjectMapper M = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReporter() {}

    public static ObjectNode toJson(Report r) {
        ObjectNode root = M.createObjectNode();
        root.put("schema", "json-v1");
        root.put("tool", "keyhaven doctor");
        root.put("root", r.root());
        root.put("score", r.score());
        root.put("elapsedMillis", r.elapsedMillis());
        ArrayNode checks = root.putArray("checks");
        for (Check c : r.checks()) {
            ObjectNode n = checks.addObject();
            n.put("id", c.id()).put("slug", c.slug()).put("family", c.family().name().toLowerCase(java.util.Locale.ROOT))
                    .put("severity", c.defaultSeverity().label()).put("passed", r.passed(c)).put("fixable", c.fixable());
            c.baseline().osps().forEach(n.putArray("osps")::add);
            c.baseline().related().forEach(n.putArray("related")::add);
        }
        ArrayNode fs = root.putArray("findings");
        for (Finding f : r.findings()) fs.add(finding(r, f));
        ArrayNode sup = root.putArray("suppressed");
        for (Report.Suppressed s : r.suppressed()) {
            ObjectNode n = finding(r, s.finding());
            n.put("reason", s.reason());
            n.put("suppressedAt", s.declaredAt().toString());
            sup.add(n);
        }
        return root;
    }

    private static ObjectNode finding(Report r, Finding f) {
        ObjectNode n = M.createObjectNode();
        Check c = r.checks().stream().filter(k -> k.id().equals(f.checkId())).findFirst().orElseThrow();
        n.put("id", f.checkId()).put("slug", c.slug()).put("severity", f.severity().label())
                .put("path", f.location().path()).put("line", f.location().line()).put("message", f.message())
                .put("why", c.why()).put("fix", c.fix()).put("fingerprint", f.fingerprint());
        c.baseline().osps().forEach(n.putArray("osps")::add);
        return n;
    }

    public static void write(Report r, Writer w) throws IOException {
        M.writeValue(new NonClosing(w), toJson(r));
        w.write("\n");
        w.flush();
    }

    static final class NonClosing extends java.io.FilterWriter {
        NonClosing(Writer w) { super(w); }
        @Override public void close() throws IOException { flush(); }
    }
}
