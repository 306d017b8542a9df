package dev.keyhaven.doctor.fix;

import java.util.ArrayList;
import java.util.List;

/** Unified diff (3 lines of context) between two texts, computed with an LCS table over lines. */
public final class UnifiedDiff {
    private UnifiedDiff() {}

    public static String diff(String path, String before, String after) {
        return diff(path, before, after, java.util.Set.of());
    }

    /**
     * As {@link #diff(String, String, String)}, but lines of {@code before} whose 0-based index is in
     * {@code redactBefore} are shown (as removed or context lines) with their value replaced by {@code <redacted>}:
     * a diff printed to a terminal or CI log must not carry the secret it removes.
     */
    public static String diff(String path, String before, String after, java.util.Set<Integer> redactBefore) {
        List<String> a = lines(before);
        List<String> b = lines(after);
        int n = a.size(), m = b.size();
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        record Op(char kind, String text, int ai, int bi) {}
        List<Op> ops = new ArrayList<>();
        int i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(i).equals(b.get(j))) { ops.add(new Op(' ', a.get(i), i, j)); i++; j++; }
            // removals before additions, as diff(1) and git print them
            else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.add(new Op('-', a.get(i), i, j)); i++; }
            else { ops.add(new Op('+', b.get(j), i, j)); j++; }
        }
        StringBuilder out = new StringBuilder();
        out.append("--- a/").append(path).append('\n').append("+++ b/").append(path).append('\n');
        int k = 0;
        while (k < ops.size()) {
            if (ops.get(k).kind == ' ') { k++; continue; }
            int start = Math.max(0, k - 3);
            int end = k;
            int lastChange = k;
            while (end < ops.size()) {
                if (ops.get(end).kind != ' ') lastChange = end;
                else if (end - lastChange > 6) break;
                end++;
            }
            end = Math.min(ops.size(), lastChange + 4);
            int aStart = ops.get(start).ai, bStart = ops.get(start).bi;
            int aLen = 0, bLen = 0;
            StringBuilder body = new StringBuilder();
            for (int x = start; x < end; x++) {
                Op o = ops.get(x);
                if (o.kind != '+') aLen++;
                if (o.kind != '-') bLen++;
                String text = o.kind != '+' && redactBefore.contains(o.ai) ? redact(o.text) : o.text;
                body.append(o.kind).append(text).append('\n');
            }
            out.append("@@ -").append(aLen == 0 ? aStart : aStart + 1).append(',').append(aLen)
                    .append(" +").append(bLen == 0 ? bStart : bStart + 1).append(',').append(bLen).append(" @@\n").append(body);
            k = end;
        }
        return out.toString();
    }

    /** Keeps the key of a "KEY=value" / "key: value" line, drops the value; other lines are dropped whole. */
    static String redact(String line) {
        int eq = line.indexOf('=');
        int colon = line.indexOf(": ");
        int cut = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
        if (cut < 0) return "<redacted line>";
        return line.substring(0, cut + (line.charAt(cut) == '=' ? 1 : 2)) + "<redacted>";
    }

    static List<String> lines(String s) {
        List<String> out = new ArrayList<>(List.of(s.split("\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        return out;
    }
}
