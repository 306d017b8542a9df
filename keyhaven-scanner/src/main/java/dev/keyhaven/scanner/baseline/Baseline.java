package dev.keyhaven.scanner.baseline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keyhaven.scanner.Finding;
import dev.keyhaven.scanner.Fingerprints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Known findings, stored by fingerprint (SHA-256 of rule + path + secret — never the secret). A scan with a baseline
 * reports only findings whose fingerprint is not in it. Each entry carries a review status that
 * {@link #updatedWith(List)} keeps.
 */
public final class Baseline {
    public enum Status { UNREVIEWED, ACCEPTED, FALSE_POSITIVE }

    public record Entry(String fingerprint, String ruleId, String path, int line, Status status, String note) {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private final Map<String, Entry> entries;

    public Baseline(List<Entry> entries) {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : entries) {
            m.put(e.fingerprint(), e);
        }
        this.entries = m;
    }

    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public boolean contains(Finding f) {
        return entries.containsKey(f.fingerprint());
    }

    public List<Finding> newFindings(List<Finding> findings) {
        return findings.stream().filter(f -> !contains(f)).toList();
    }

    public static Baseline of(List<Finding> findings) {
        return new Baseline(findings.stream().map(Baseline::entry).toList());
    }

    static Entry entry(Finding f) {
        return new Entry(f.fingerprint(), f.ruleId(), f.path(), f.line(), Status.UNREVIEWED, "");
    }

    /**
     * The current findings, each keeping the status/note it had here; reviewed entries (accepted, false positive)
     * that are not currently found are kept too, so a decision is never lost.
     */
    public Baseline updatedWith(List<Finding> current) {
        Map<String, Entry> out = new LinkedHashMap<>();
        for (Finding f : current) {
            Entry old = entries.get(f.fingerprint());
            out.put(f.fingerprint(), old == null ? entry(f)
                    : new Entry(f.fingerprint(), f.ruleId(), f.path(), f.line(), old.status(), old.note()));
        }
        for (Entry e : entries.values()) {
            if (e.status() != Status.UNREVIEWED) {
                out.putIfAbsent(e.fingerprint(), e);
            }
        }
        return new Baseline(new ArrayList<>(out.values()));
    }

    public static Baseline read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("baseline " + file + " is not valid JSON (line " + e.getLocation().getLineNr() + ")");
        }
        if (root == null || !root.isObject() || !root.path("findings").isArray()) {
            throw new IOException("baseline " + file + " is not a Keyhaven baseline (expected an object with \"findings\")");
        }
        List<Entry> list = new ArrayList<>();
        for (JsonNode n : root.get("findings")) {
            String fp = n.path("fingerprint").asText("");
            if (fp.isEmpty()) {
                throw new IOException("baseline " + file + ": an entry has no fingerprint");
            }
            Status st;
            try {
                st = Status.valueOf(n.path("status").asText("unreviewed").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IOException("baseline " + file + ": unknown status '" + n.path("status").asText()
                        + "' (use unreviewed, accepted or false_positive)");
            }
            list.add(new Entry(fp, n.path("ruleId").asText(""), n.path("path").asText(""), n.path("line").asInt(0), st,
                    n.path("note").asText("")));
        }
        return new Baseline(list);
    }

    /** Writes atomically (temp file + rename). */
    public void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("tool", "keyhaven scan");
        root.put("generatedAt", Instant.now().toString());
        root.put("comment", "fingerprint = sha256(rule, path, secret); the secret itself is never stored. "
                + "status: unreviewed | accepted | false_positive");
        ArrayNode arr = root.putArray("findings");
        for (Entry e : entries.values()) {
            ObjectNode n = arr.addObject();
            n.put("fingerprint", e.fingerprint());
            n.put("ruleId", e.ruleId());
            n.put("path", e.path());
            n.put("line", e.line());
            n.put("status", e.status().name().toLowerCase(Locale.ROOT));
            if (!e.note().isEmpty()) {
                n.put("note", e.note());
            }
        }
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        Path tmp = Files.createTempFile(abs.getParent(), ".baseline", ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Result of importing a detect-secrets baseline. */
    public record Import(Baseline baseline, int entriesInFile, int matched) {
    }

    /**
     * Migrates a detect-secrets {@code .secrets.baseline}: its entries hold {@code hashed_secret} (SHA-1 of the
     * secret) per file; each current finding whose file and SHA-1 match becomes a baseline entry, with detect-secrets'
     * {@code is_secret} decision mapped to a status (false → false_positive, true → accepted, absent → unreviewed).
     */
    public static Import importDetectSecrets(Path file, List<Finding> current) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON (line " + e.getLocation().getLineNr() + ")");
        }
        if (root == null || !root.path("results").isObject()) {
            throw new IOException(file + " is not a detect-secrets baseline (no \"results\" object)");
        }
        // hashed_secret -> (detect-secrets path, entry); paths there are relative to the repository root
        Map<String, List<Map.Entry<String, JsonNode>>> byHash = new LinkedHashMap<>();
        int total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("results").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            for (JsonNode n : e.getValue()) {
                total++;
                byHash.computeIfAbsent(n.path("hashed_secret").asText(""), k -> new ArrayList<>())
                        .add(Map.entry(normalize(e.getKey()), n));
            }
        }
        List<Entry> list = new ArrayList<>();
        java.util.Set<JsonNode> matchedKeys = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Finding f : current) {
            String fp = normalize(f.path());
            for (Map.Entry<String, JsonNode> cand : byHash.getOrDefault(Fingerprints.sha1Hex(f.secret()), List.of())) {
                if (!(fp.equals(cand.getKey()) || fp.endsWith("/" + cand.getKey()))) {
                    continue;
                }
                JsonNode n = cand.getValue();
                matchedKeys.add(n);
                Status st = !n.has("is_secret") || n.get("is_secret").isNull() ? Status.UNREVIEWED
                        : n.get("is_secret").asBoolean() ? Status.ACCEPTED : Status.FALSE_POSITIVE;
                list.add(new Entry(f.fingerprint(), f.ruleId(), f.path(), f.line(), st, "imported from detect-secrets"));
                break;
            }
        }
        return new Import(new Baseline(list), total, matchedKeys.size());
    }

    private static String normalize(String p) {
        String s = p.replace('\\', '/');
        return s.startsWith("./") ? s.substring(2) : s;
    }
}
