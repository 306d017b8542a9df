package dev.keyhaven.scanner.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyhaven.scanner.Finding;
import dev.keyhaven.scanner.ScanRunner;
import java.io.IOException;
import java.io.Writer;
import java.util.Locale;

/** Machine-readable findings and summary. The secret is redacted unless --show-secrets. */
final class JsonReporter {
    private JsonReporter() {
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    static void write(Report r, Writer out) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("tool", "keyhaven scan");
        root.put("version", r.toolVersion());
        ArrayNode arr = root.putArray("findings");
        for (Finding f : r.findings()) {
            ObjectNode n = arr.addObject();
            n.put("ruleId", f.ruleId());
            n.put("description", f.description());
            n.put("severity", f.severity().lower());
            n.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
            n.put("path", f.path());
            n.put("line", f.line());
            n.put("column", f.column());
            n.put("secret", r.secretOf(f));
            n.put("redacted", !r.showSecrets());
            n.put("fingerprint", f.fingerprint());
            f.commit().ifPresent(c -> {
                ObjectNode cn = n.putObject("commit");
                cn.put("sha", c.sha());
                cn.put("author", c.author());
                cn.put("email", c.email());
                cn.put("date", c.date().toString());
                cn.put("message", c.message());
            });
        }
        ScanRunner.Summary s = r.summary();
        ObjectNode sn = root.putObject("summary");
        sn.put("secrets", r.secrets().size());
        sn.put("placeholders", r.placeholders().size());
        sn.put("suppressedByBaseline", r.suppressedByBaseline());
        sn.put(s.commits() > 0 ? "blobs" : "files", s.items());
        if (s.commits() > 0) {
            sn.put("commits", s.commits());
        }
        sn.put("bytes", s.bytes());
        sn.put("seconds", s.elapsed().toMillis() / 1000.0);
        ObjectNode sk = sn.putObject("skipped");
        sk.put("binary", s.skippedBinary());
        sk.put("tooLarge", s.skippedTooLarge());
        sk.put("unreadable", s.skippedUnreadable());
        ArrayNode ex = sk.putArray("examples");
        for (ScanRunner.Skip k : s.skipped()) {
            ex.addObject().put("path", k.path()).put("reason", k.reason().name().toLowerCase(Locale.ROOT));
        }
        JSON.writeValue(out, root);
        out.write("\n");
    }
}
