package dev.keyhaven.core.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, written from the format's specification
 * (prometheus/docs, content/docs/instrumenting/exposition_formats.md) because no maintained Java parser of that
 * format is published on Maven Central (the official Java client's {@code prometheus-metrics-exposition-*}
 * artifacts only write it). Whatever Prometheus's own parser would refuse, this refuses with a message naming the
 * line:
 * <ul>
 *   <li>lines end in {@code \n}; blank lines and {@code #} comments are ignored; {@code # HELP name text} and
 *       {@code # TYPE name type} are metadata, with {@code \\} and {@code \n} escapes in HELP;</li>
 *   <li>metric names match {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, label names {@code [a-zA-Z_][a-zA-Z0-9_]*} and not
 *       {@code __*}; label values are double-quoted with {@code \\ \" \n} escapes; a trailing comma is allowed;</li>
 *   <li>a value is a float (Go's ParseFloat: decimal, exponent, {@code NaN}, {@code +Inf}, {@code -Inf}), an
 *       optional timestamp an int64;</li>
 *   <li>at most one HELP and one TYPE per name, TYPE before the first sample of its family, the type one of
 *       {@code counter gauge histogram summary untyped}; all samples of a family contiguous; no duplicate
 *       series (same name and label set); summary samples are {@code name{quantile=..}}, {@code name_sum},
 *       {@code name_count}; histogram samples {@code name_bucket{le=..}} (with a {@code +Inf} bucket),
 *       {@code name_sum}, {@code name_count}.</li>
 * </ul>
 */
public final class PrometheusTextParser {
    public record Sample(String name, Map<String, String> labels, double value, Optional<Long> timestamp) {}

    public record Family(String name, String type, String help, List<Sample> samples) {
        public Optional<Sample> sample(String sampleName, Map<String, String> labels) {
            return samples.stream().filter(s -> s.name().equals(sampleName) && s.labels().equals(labels)).findFirst();
        }
    }

    public static final class ParseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ParseException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private PrometheusTextParser() {}

    /** Parses a whole exposition; the result is keyed by family name in order of appearance. */
    public static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) throw new ParseException(text.split("\n", -1).length, "exposition must end with a line feed");
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>();
        Set<String> series = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            int no = i + 1;
            String line = lines[i];
            if (line.contains("\r")) throw new ParseException(no, "carriage return in line");
            if (line.isBlank()) continue;
            if (line.startsWith("#")) {
                String[] t = line.substring(1).strip().split("[ \t]+", 3);
                if (t.length >= 2 && (t[0].equals("HELP") || t[0].equals("TYPE"))) {
                    String name = t[1];
                    checkMetricName(no, name);
                    if (t[0].equals("HELP")) {
                        if (helps.containsKey(name)) throw new ParseException(no, "second HELP for " + name);
                        helps.put(name, unescapeHelp(no, t.length > 2 ? t[2] : ""));
                    } else {
                        if (t.length < 3 || !TYPES.contains(t[2].strip())) throw new ParseException(no, "bad TYPE line for " + name);
                        if (types.containsKey(name)) throw new ParseException(no, "second TYPE for " + name);
                        if (samples.containsKey(name)) throw new ParseException(no, "TYPE for " + name + " after its samples");
                        types.put(name, t[2].strip());
                    }
                }
                continue;
            }
            Sample s = sample(no, line);
            String family = familyOf(s.name(), types);
            if (!family.equals(current)) {
                if (closed.contains(family)) throw new ParseException(no, "samples of " + family + " are not contiguous");
                if (current != null) closed.add(current);
                current = family;
            }
            String key = s.name() + new TreeMap<>(s.labels());
            if (!series.add(key)) throw new ParseException(no, "duplicate series " + key);
            checkShape(no, family, types.getOrDefault(family, "untyped"), s);
            samples.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
        }
        Map<String, Family> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
            String type = types.getOrDefault(e.getKey(), "untyped");
            if (type.equals("histogram") && e.getValue().stream().noneMatch(x -> x.name().endsWith("_bucket") && "+Inf".equals(x.labels().get("le")))) {
                throw new ParseException(0, "histogram " + e.getKey() + " has no +Inf bucket");
            }
            out.put(e.getKey(), new Family(e.getKey(), type, helps.getOrDefault(e.getKey(), ""), List.copyOf(e.getValue())));
        }
        return out;
    }

    private static String familyOf(String sampleName, Map<String, String> types) {
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (sampleName.endsWith(suffix)) {
                String base = sampleName.substring(0, sampleName.length() - suffix.length());
                String t = types.get(base);
                if ("summary".equals(t) && !suffix.equals("_bucket") || "histogram".equals(t)) return base;
            }
        }
        return sampleName;
    }

    private static void checkShape(int no, String family, String type, Sample s) {
        switch (type) {
            case "summary" -> {
                if (s.name().equals(family)) {
                    String q = s.labels().get("quantile");
                    if (q == null) throw new ParseException(no, "summary sample without quantile label");
                    parseFloat(no, q);
                } else if (s.labels().containsKey("quantile")) {
                    throw new ParseException(no, "quantile label on " + s.name());
                }
            }
            case "histogram" -> {
                if (s.name().equals(family)) throw new ParseException(no, "histogram sample without suffix");
                if (s.name().endsWith("_bucket")) {
                    String le = s.labels().get("le");
                    if (le == null) throw new ParseException(no, "bucket without le label");
                    parseFloat(no, le);
                }
            }
            case "counter" -> {
                if (s.value() < 0) throw new ParseException(no, "negative counter");
            }
            default -> {
                // gauge, untyped: any value
            }
        }
    }

    private static Sample sample(int no, String line) {
        int i = 0;
        int n = line.length();
        while (i < n && isNameChar(line.charAt(i), i == 0, true)) i++;
        String name = line.substring(0, i);
        checkMetricName(no, name);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < n && line.charAt(i) == '{') {
            i++;
            while (true) {
                if (i >= n) throw new ParseException(no, "unterminated label set");
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int start = i;
                while (i < n && isNameChar(line.charAt(i), i == start, false)) i++;
                String label = line.substring(start, i);
                if (label.isEmpty()) throw new ParseException(no, "bad label name");
                if (label.startsWith("__")) throw new ParseException(no, "reserved label name " + label);
                if (i >= n || line.charAt(i) != '=') throw new ParseException(no, "expected '=' after label " + label);
                i++;
                if (i >= n || line.charAt(i) != '"') throw new ParseException(no, "label value must be quoted");
                i++;
                StringBuilder v = new StringBuilder();
                while (true) {
                    if (i >= n) throw new ParseException(no, "unterminated label value");
                    char c = line.charAt(i++);
                    if (c == '"') break;
                    if (c == '\\') {
                        if (i >= n) throw new ParseException(no, "dangling escape");
                        char e = line.charAt(i++);
                        switch (e) {
                            case '\\' -> v.append('\\');
                            case '"' -> v.append('"');
                            case 'n' -> v.append('\n');
                            default -> throw new ParseException(no, "bad escape \\" + e + " in label value");
                        }
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(label, v.toString()) != null) throw new ParseException(no, "duplicate label " + label);
                if (i < n && line.charAt(i) == ',') i++;
                else if (i >= n || line.charAt(i) != '}') throw new ParseException(no, "expected ',' or '}' in label set");
            }
        }
        String rest = line.substring(i);
        if (rest.isEmpty() || (rest.charAt(0) != ' ' && rest.charAt(0) != '\t')) throw new ParseException(no, "expected blank before value");
        String[] parts = rest.strip().split("[ \t]+");
        if (parts.length < 1 || parts.length > 2) throw new ParseException(no, "expected value and optional timestamp");
        double value = parseFloat(no, parts[0]);
        Optional<Long> ts = Optional.empty();
        if (parts.length == 2) {
            try {
                ts = Optional.of(Long.parseLong(parts[1]));
            } catch (NumberFormatException e) {
                throw new ParseException(no, "bad timestamp");
            }
        }
        return new Sample(name, Map.copyOf(labels), value, ts);
    }

    private static boolean isNameChar(char c, boolean first, boolean colonOk) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colonOk && c == ':') || (!first && c >= '0' && c <= '9');
    }

    private static void checkMetricName(int no, String name) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) throw new ParseException(no, "bad metric name '" + name + "'");
    }

    static double parseFloat(int no, String s) {
        switch (s) {
            case "NaN": return Double.NaN;
            case "+Inf": case "Inf": return Double.POSITIVE_INFINITY;
            case "-Inf": return Double.NEGATIVE_INFINITY;
            default:
                if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) throw new ParseException(no, "bad float '" + s + "'");
                return Double.parseDouble(s);
        }
    }

    private static String unescapeHelp(int no, String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i >= s.length()) throw new ParseException(no, "dangling escape in HELP");
            char e = s.charAt(i);
            if (e == '\\') sb.append('\\');
            else if (e == 'n') sb.append('\n');
            else throw new ParseException(no, "bad escape \\" + e + " in HELP");
        }
        return sb.toString();
    }
}
