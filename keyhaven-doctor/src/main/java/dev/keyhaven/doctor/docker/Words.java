package dev.keyhaven.doctor.docker;

import java.util.ArrayList;
import java.util.List;

/** Shell-ish word splitting used for Dockerfile arguments: quotes group, backslash escapes, JSON arrays supported. */
final class Words {
    private Words() {}

    static List<String> split(String s) {
        String t = s.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            try {
                com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(t);
                if (n.isArray()) {
                    List<String> out = new ArrayList<>();
                    n.forEach(e -> out.add(e.asText()));
                    return out;
                }
            } catch (java.io.IOException ignored) {
                // not JSON: shell form
            }
        }
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < t.length()) cur.append(t.charAt(++i));
                else cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c; inWord = true;
            } else if (c == '\\' && i + 1 < t.length()) {
                cur.append(t.charAt(++i)); inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) { out.add(cur.toString()); cur.setLength(0); inWord = false; }
            } else {
                cur.append(c); inWord = true;
            }
        }
        if (inWord) out.add(cur.toString());
        return out;
    }

    static String unquote(String v) {
        List<String> w = split(v);
        return String.join(" ", w);
    }
}
