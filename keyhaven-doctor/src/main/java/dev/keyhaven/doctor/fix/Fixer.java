package dev.keyhaven.doctor.fix;

import dev.keyhaven.doctor.DoctorException;
import dev.keyhaven.doctor.Finding;
import dev.keyhaven.doctor.RepoContext;
import dev.keyhaven.doctor.Report;
import dev.keyhaven.doctor.gha.Step;
import dev.keyhaven.doctor.gha.Workflow;
import dev.keyhaven.doctor.yaml.Y;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The safe mechanical fixes: top-level {@code permissions: contents: read} (KH401), {@code persist-credentials: false}
 * on checkouts (KH409), a managed .gitignore block (KH102), blanked example values (KH105) and a .dockerignore block
 * (KH202). Positions come from the YAML node marks; edits are line insertions that keep the rest of the file intact.
 */
public final class Fixer {
    public static final String BLOCK_START = "# >>> keyhaven doctor: secret files (managed block)";
    public static final String BLOCK_END = "# <<< keyhaven doctor";

    /**
     * One file's proposed content. {@code redactBefore} are the 0-based lines of {@code before} that hold a secret
     * (a scanner detection or a value the fix blanks); {@link #diff()} never shows their values. {@code toString()}
     * names the file only.
     */
    public record Edit(String path, String before, String after, Set<Integer> redactBefore) {
        public Edit {
            redactBefore = Set.copyOf(redactBefore);
        }

        public Edit(String path, String before, String after) { this(path, before, after, Set.of()); }

        public String diff() { return UnifiedDiff.diff(path, before, after, redactBefore); }

        @Override public String toString() { return "Edit[" + path + "]"; }
    }

    private Fixer() {}

    public static List<Edit> plan(RepoContext ctx, Report report) {
        Map<String, String> content = new LinkedHashMap<>();
        Map<String, String> original = new LinkedHashMap<>();
        java.util.function.Function<String, String> cur = p -> content.computeIfAbsent(p, k -> {
            String t = ctx.text(k).orElse("");
            original.put(k, t);
            return t;
        });
        Set<String> ids = new java.util.HashSet<>();
        report.findings().forEach(f -> ids.add(f.checkId()));

        // KH409 and KH401 on workflows: line insertions, applied bottom-up per file
        for (Workflow wf : ctx.workflows()) {
            TreeMap<Integer, String> inserts = new TreeMap<>(java.util.Comparator.reverseOrder());
            Map<Integer, String> replaces = new java.util.HashMap<>();
            String[] lines = cur.apply(wf.path()).split("\n", -1);
            for (Finding f : report.findings()) {
                if (!f.location().path().equals(wf.path())) continue;
                if (f.checkId().equals("KH409")) {
                    for (var j : wf.jobs()) for (Step s : j.steps()) {
                        if (!s.isCheckout() || Y.line(s.usesNode().orElse(s.node())) != f.location().line()) continue;
                        Node with = s.withNode().orElse(null);
                        Node pc = s.with().get("persist-credentials");
                        if (pc != null) {
                            int li = Y.line(pc) - 1;
                            replaces.put(li, lines[li].replaceFirst("persist-credentials:\\s*\\S+", "persist-credentials: false"));
                        } else if (with != null && Y.isMap(with) && !Y.entries(with).isEmpty() && !lines[Y.line(with) - 1].contains("{")) {
                            Node firstKey = Y.keyNode(with, Y.entries(with).keySet().iterator().next()).orElseThrow();
                            int at = Y.line(Y.keyNode(s.node(), "with").orElseThrow()); // insert right after "with:"
                            inserts.put(at, " ".repeat(Y.column(firstKey)) + "persist-credentials: false");
                        } else if (with == null) {
                            Node usesKey = Y.keyNode(s.node(), "uses").orElseThrow();
                            int indent = Y.column(usesKey);
                            int at = Y.line(s.usesNode().orElseThrow());
                            inserts.put(at, " ".repeat(indent) + "with:\n" + " ".repeat(indent + 2) + "persist-credentials: false");
                        }
                    }
                }
                if (f.checkId().equals("KH401") && wf.permissionsNode().isEmpty() && f.location().line() == 1) {
                    int jobsLine = wf.jobsLine();
                    inserts.put(jobsLine - 1, "permissions:\n  contents: read\n");
                }
            }
            if (inserts.isEmpty() && replaces.isEmpty()) continue;
            List<String> out = new ArrayList<>(List.of(lines));
            replaces.forEach(out::set);
            inserts.forEach((after, text) -> {
                for (String l : reversed(text.split("\n", -1))) out.add(after, l);
            });
            content.put(wf.path(), String.join("\n", out));
        }

        // KH102: managed .gitignore block
        if (ids.contains("KH102")) {
            List<String> missing = new ArrayList<>();
            for (Finding f : report.findings()) if (f.checkId().equals("KH102") && f.message().startsWith("not ignored: ")) {
                for (String p : f.message().substring("not ignored: ".length()).split(",\\s*")) missing.add(ignoreLine(p));
            }
            boolean example = report.findings().stream().anyMatch(f -> f.checkId().equals("KH102") && f.message().startsWith(".env.example"));
            if (!missing.isEmpty() || example) {
                List<String> block = new ArrayList<>(new java.util.LinkedHashSet<>(missing));
                block.add("!.env.example");
                content.put(".gitignore", appendBlock(cur.apply(".gitignore"), block));
            }
        }

        // KH105: blank the example values at the reported lines
        Map<String, Set<Integer>> blanked = new java.util.HashMap<>();
        for (Finding f : report.findings()) {
            if (!f.checkId().equals("KH105") || f.location().line() == 0) continue;
            blanked.computeIfAbsent(f.location().path(), k -> new java.util.HashSet<>()).add(f.location().line() - 1);
            String[] ls = cur.apply(f.location().path()).split("\n", -1);
            int li = f.location().line() - 1;
            int eq = ls[li].indexOf('=');
            if (eq > 0) ls[li] = ls[li].substring(0, eq + 1);
            content.put(f.location().path(), String.join("\n", ls));
        }

        // KH202: .dockerignore next to the Dockerfile whose COPY . leaks
        for (Finding f : report.findings()) {
            if (!f.checkId().equals("KH202") || !f.message().contains("copies the whole context")) continue;
            String dir = f.location().path().contains("/") ? f.location().path().substring(0, f.location().path().lastIndexOf('/') + 1) : "";
            String di = dir + ".dockerignore";
            content.put(di, appendBlock(cur.apply(di), List.of(".git", ".env", ".env.*", "!.env.example", "**/*.pem", "**/*.key", "**/id_rsa*", ".npmrc", ".pypirc")));
        }

        List<Edit> edits = new ArrayList<>();
        content.forEach((p, after) -> {
            String before = original.getOrDefault(p, "");
            if (after.equals(before)) return;
            Set<Integer> redact = new java.util.HashSet<>(blanked.getOrDefault(p, Set.of()));
            for (var d : ctx.detector().scan(p, before)) redact.add(d.line() - 1);
            edits.add(new Edit(p, before, after, redact));
        });
        return edits;
    }

    static String ignoreLine(String probe) {
        return switch (probe) {
            case ".env" -> ".env";
            case ".env.local" -> ".env.*";
            case ".secrets/x" -> ".secrets/";
            case "a.pem" -> "*.pem";
            case "a.key" -> "*.key";
            case "a.p12" -> "*.p12";
            case "a.jks" -> "*.jks";
            case "id_rsa" -> "id_rsa*";
            case "config/secrets.yaml" -> "**/secrets.y*ml";
            case "x.tfstate" -> "*.tfstate*";
            case "x.tfvars" -> "*.tfvars";
            default -> probe;
        };
    }

    static String appendBlock(String text, List<String> lines) {
        StringBuilder sb = new StringBuilder(text);
        int s = text.indexOf(BLOCK_START);
        if (s >= 0) {
            int e = text.indexOf(BLOCK_END, s);
            List<String> existing = new ArrayList<>(List.of(text.substring(s, e < 0 ? text.length() : e).split("\n")));
            List<String> merged = new ArrayList<>();
            for (String l : existing) if (!l.startsWith("#") && !l.isBlank()) merged.add(l);
            for (String l : lines) if (!merged.contains(l)) merged.add(l);
            String block = BLOCK_START + "\n" + String.join("\n", merged) + "\n";
            return text.substring(0, s) + block + (e < 0 ? BLOCK_END + "\n" : text.substring(e));
        }
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') sb.append('\n');
        if (sb.length() > 0) sb.append('\n');
        sb.append(BLOCK_START).append('\n');
        for (String l : lines) sb.append(l).append('\n');
        sb.append(BLOCK_END).append('\n');
        return sb.toString();
    }

    private static List<String> reversed(String[] a) {
        List<String> l = new ArrayList<>(List.of(a));
        if (!l.isEmpty() && l.get(l.size() - 1).isEmpty()) l.remove(l.size() - 1);
        java.util.Collections.reverse(l);
        return l;
    }

    /** Writes each edit atomically (temp file in the same directory, then rename). */
    public static void apply(Path root, List<Edit> edits) {
        for (Edit e : edits) {
            Path target = root.resolve(e.path()).normalize();
            if (!target.startsWith(root)) throw new DoctorException("refusing to write outside the repository: " + e.path());
            try {
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), ".keyhaven-fix", ".tmp");
                Files.writeString(tmp, e.after(), StandardCharsets.UTF_8);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException ex) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException ex) {
                throw new DoctorException("could not write " + e.path() + ": " + ex.getMessage(), ex);
            }
        }
    }
}
