package dev.keyhaven.doctor.checks;

import java.util.ArrayList;
import java.util.List;

/** Line-oriented KEY=VALUE readers for dotenv and Java .properties files, keeping line numbers. */
final class KeyValueLines {
    private KeyValueLines() {}

    record Entry(String key, String value, int line) {}

    /** dotenv: '# comments', optional 'export ', KEY=VALUE with optional quotes and trailing ' # comment'. */
    static List<Entry> dotenv(String text) {
        List<Entry> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].trim();
            if (l.isEmpty() || l.startsWith("#")) continue;
            if (l.startsWith("export ")) l = l.substring(7).trim();
            int eq = l.indexOf('=');
            if (eq <= 0) continue;
            String key = l.substring(0, eq).trim();
            String v = l.substring(eq + 1).trim();
            if ((v.startsWith("\"") || v.startsWith("'")) && v.length() >= 2) {
                int end = v.indexOf(v.charAt(0), 1);
                v = end > 0 ? v.substring(1, end) : v.substring(1);
            } else {
                int hash = v.indexOf(" #");
                if (hash >= 0) v = v.substring(0, hash).trim();
            }
            out.add(new Entry(key, v, i + 1));
        }
        return out;
    }

    /** .properties: key=value, key: value or 'key value'; '#'/'!' comments; backslash continuation lines. */
    static List<Entry> properties(String text) {
        List<Entry> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int start = i;
            String l = lines[i].stripLeading();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("!")) continue;
            StringBuilder sb = new StringBuilder();
            while (l.endsWith("\\") && i + 1 < lines.length) {
                sb.append(l, 0, l.length() - 1);
                l = lines[++i].stripLeading();
            }
            sb.append(l);
            String s = sb.toString();
            int sep = -1;
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                if (c == '\\') { k++; continue; }
                if (c == '=' || c == ':' || Character.isWhitespace(c)) { sep = k; break; }
            }
            String key = sep < 0 ? s : s.substring(0, sep);
            String v = sep < 0 ? "" : s.substring(sep + 1).trim();
            if (v.startsWith("=") || v.startsWith(":")) v = v.substring(1).trim();
            out.add(new Entry(key.trim(), v, start + 1));
        }
        return out;
    }
}
