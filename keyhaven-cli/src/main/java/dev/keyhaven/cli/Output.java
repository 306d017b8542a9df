package dev.keyhaven.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Renders API answers as the vault CLI does: a two-column Key/Value table, or the JSON as received. */
public final class Output {
    public enum Format { table, json }

    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final PrintWriter out;
    private final Format format;

    Output(PrintWriter out, Format format) {
        this.out = out;
        this.format = format == null ? Format.table : format;
    }

    boolean json() {
        return format == Format.json;
    }

    void printJson(Object value) {
        try {
            out.println(PRETTY.writeValueAsString(value));
        } catch (Exception e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
        out.flush();
    }

    /** A Key/Value table of a map (keys sorted, nested values rendered as Go does, e.g. {@code map[a:b]}). */
    void printTable(Map<String, ?> data) {
        printTable(data, "Key", "Value");
    }

    void printTable(Map<String, ?> data, String k, String v) {
        Map<String, Object> sorted = new TreeMap<>(data);
        int w = Math.max(k.length(), sorted.keySet().stream().mapToInt(String::length).max().orElse(0));
        out.println(pad(k, w) + "    " + v);
        out.println(pad("-".repeat(k.length()), w) + "    " + "-".repeat(v.length()));
        for (Map.Entry<String, Object> e : sorted.entrySet()) out.println(pad(e.getKey(), w) + "    " + render(e.getValue()));
        out.flush();
    }

    void printList(Collection<?> keys, String header) {
        out.println(header);
        out.println("-".repeat(header.length()));
        for (Object o : keys) out.println(o);
        out.flush();
    }

    void println(String s) {
        out.println(s);
        out.flush();
    }

    static String render(Object v) {
        if (v == null) return "n/a";
        if (v instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            new TreeMap<>(m).forEach((a, b) -> parts.add(a + ":" + render(b)));
            return "map[" + String.join(" ", parts) + "]";
        }
        if (v instanceof Collection<?> c) {
            List<String> parts = new ArrayList<>();
            for (Object o : c) parts.add(render(o));
            return "[" + String.join(" ", parts) + "]";
        }
        return String.valueOf(v);
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }
}
