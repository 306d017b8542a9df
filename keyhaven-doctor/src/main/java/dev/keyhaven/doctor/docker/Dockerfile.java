package dev.keyhaven.doctor.docker;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Dockerfile as a list of instructions, following the BuildKit frontend's lexical rules: parser directives
 * ({@code # escape=`}), comments, line continuations with the escape character (comments and blank lines inside a
 * continuation are skipped), and here-documents ({@code <<EOF} ... {@code EOF}) whose bodies belong to the instruction.
 */
public final class Dockerfile {
    /** One instruction: upper-cased keyword, flags ({@code --from=x}), the argument text, and its first line. */
    public record Instruction(String keyword, List<String> flags, String args, int line) {
        /** The argument as words, honouring quotes (shell form) or a JSON array (exec form). */
        public List<String> words() { return Words.split(args); }
    }

    private final List<Instruction> instructions;

    private Dockerfile(List<Instruction> instructions) { this.instructions = List.copyOf(instructions); }

    public List<Instruction> instructions() { return instructions; }

    public List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword.equals(keyword)).toList();
    }

    public static Dockerfile parse(String text) {
        String[] lines = text.split("\r?\n", -1);
        char escape = '\\';
        int i = 0;
        // Parser directives: only at the very top, as "# directive=value" comments.
        while (i < lines.length) {
            String l = lines[i].trim();
            if (!l.startsWith("#")) break;
            String d = l.substring(1).trim().toLowerCase(Locale.ROOT);
            int eq = d.indexOf('=');
            if (eq < 0) break;
            String name = d.substring(0, eq).trim();
            String value = l.substring(l.indexOf('=') + 1).trim();
            if (name.equals("escape") && value.length() == 1) escape = value.charAt(0);
            else if (!name.equals("syntax") && !name.equals("check")) break;
            i++;
        }
        List<Instruction> out = new ArrayList<>();
        while (i < lines.length) {
            String raw = lines[i];
            String t = raw.trim();
            if (t.isEmpty() || t.startsWith("#")) { i++; continue; }
            int start = i + 1;
            StringBuilder logical = new StringBuilder();
            String cur = raw;
            while (true) {
                String stripped = stripTrailing(cur);
                if (!stripped.isEmpty() && stripped.charAt(stripped.length() - 1) == escape) {
                    logical.append(stripped, 0, stripped.length() - 1).append(' ');
                    i++;
                    // skip comment and empty lines inside a continuation
                    while (i < lines.length && (lines[i].trim().isEmpty() || lines[i].trim().startsWith("#"))) i++;
                    if (i >= lines.length) break;
                    cur = lines[i];
                } else {
                    logical.append(cur);
                    i++;
                    break;
                }
            }
            String s = logical.toString().trim();
            int sp = indexOfSpace(s);
            String kw = (sp < 0 ? s : s.substring(0, sp)).toUpperCase(Locale.ROOT);
            String rest = sp < 0 ? "" : s.substring(sp).trim();
            List<String> flags = new ArrayList<>();
            while (rest.startsWith("--")) {
                int e = indexOfSpace(rest);
                flags.add(e < 0 ? rest : rest.substring(0, e));
                rest = e < 0 ? "" : rest.substring(e).trim();
            }
            // here-documents: <<EOF or <<-EOF (optionally quoted) consume following lines up to the delimiter
            StringBuilder body = new StringBuilder();
            java.util.regex.Matcher m = HEREDOC.matcher(rest);
            while (m.find()) {
                String delim = m.group(3);
                boolean dash = m.group(1) != null && !m.group(1).isEmpty();
                while (i < lines.length) {
                    String hl = lines[i++];
                    String cmp = dash ? hl.replaceFirst("^\t+", "") : hl;
                    if (cmp.equals(delim)) break;
                    body.append('\n').append(hl);
                }
            }
            out.add(new Instruction(kw, List.copyOf(flags), rest + body, start));
        }
        return new Dockerfile(out);
    }

    private static final java.util.regex.Pattern HEREDOC =
            java.util.regex.Pattern.compile("<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\\2");

    private static String stripTrailing(String s) {
        int e = s.length();
        while (e > 0 && Character.isWhitespace(s.charAt(e - 1))) e--;
        return s.substring(0, e);
    }

    private static int indexOfSpace(String s) {
        for (int k = 0; k < s.length(); k++) if (Character.isWhitespace(s.charAt(k))) return k;
        return -1;
    }

    /** A {@code KEY=value} or legacy {@code KEY value} pair from ARG/ENV/LABEL. Value is absent for {@code ARG NAME}. */
    public record Pair(String key, java.util.Optional<String> value) {}

    /** Parses ARG/ENV arguments into pairs. */
    public static List<Pair> pairs(Instruction ins) {
        List<String> words = Words.split(ins.args());
        List<Pair> out = new ArrayList<>();
        if (words.isEmpty()) return out;
        if (ins.keyword().equals("ENV") && !words.get(0).contains("=")) {
            // legacy form: ENV KEY value with spaces
            String key = words.get(0);
            String value = ins.args().trim().substring(ins.args().trim().indexOf(key) + key.length()).trim();
            out.add(new Pair(key, java.util.Optional.of(Words.unquote(value))));
            return out;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq < 0) out.add(new Pair(w, java.util.Optional.empty()));
            else out.add(new Pair(w.substring(0, eq), java.util.Optional.of(w.substring(eq + 1))));
        }
        return out;
    }

    /** A parsed {@code FROM [--platform=..] image[:tag][@digest] [AS name]}. */
    public record From(String image, String repository, java.util.Optional<String> tag, java.util.Optional<String> digest,
                       java.util.Optional<String> stageName, int line) {}

    public List<From> froms() {
        List<From> out = new ArrayList<>();
        for (Instruction ins : all("FROM")) {
            List<String> w = ins.words();
            if (w.isEmpty()) continue;
            String image = w.get(0);
            java.util.Optional<String> stage = w.size() >= 3 && w.get(1).equalsIgnoreCase("AS")
                    ? java.util.Optional.of(w.get(2)) : java.util.Optional.empty();
            String rest = image;
            java.util.Optional<String> digest = java.util.Optional.empty();
            int at = rest.indexOf('@');
            if (at >= 0) { digest = java.util.Optional.of(rest.substring(at + 1)); rest = rest.substring(0, at); }
            java.util.Optional<String> tag = java.util.Optional.empty();
            int colon = rest.lastIndexOf(':');
            if (colon > rest.lastIndexOf('/')) { tag = java.util.Optional.of(rest.substring(colon + 1)); rest = rest.substring(0, colon); }
            out.add(new From(image, rest, tag, digest, stage, ins.line()));
        }
        return out;
    }
}
