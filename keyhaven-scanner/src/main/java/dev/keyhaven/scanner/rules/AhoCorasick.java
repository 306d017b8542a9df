package dev.keyhaven.scanner.rules;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Case-insensitive (ASCII) multi-keyword matcher over bytes: a fully built DFA over a compressed alphabet
 * (bytes that occur in no keyword share one class), so the scan loop is one table lookup per byte.
 */
public final class AhoCorasick {
    /** Receives every keyword occurrence: the keyword index and the offset one past its last byte. */
    @FunctionalInterface
    public interface Hits {
        void hit(int keyword, int end);
    }

    private final byte[] classOf = new byte[256];
    private final int classes;
    private final int[] delta;
    /** For each state, the keyword indexes that end there (incl. via suffix links), or null. */
    private final int[][] out;
    private final int[] keywordLength;

    public AhoCorasick(List<String> keywords) {
        byte[][] kws = new byte[keywords.size()][];
        keywordLength = new int[keywords.size()];
        for (int i = 0; i < kws.length; i++) {
            kws[i] = keywords.get(i).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
            if (kws[i].length == 0) {
                throw new IllegalArgumentException("empty keyword");
            }
            keywordLength[i] = kws[i].length;
        }
        // alphabet compression: class 0 = any byte not in a keyword
        int next = 1;
        for (byte[] k : kws) {
            for (byte b : k) {
                int u = b & 0xff;
                if (classOf[u] == 0) {
                    if (next > 127) {
                        throw new IllegalArgumentException("too many distinct keyword bytes");
                    }
                    classOf[u] = (byte) next++;
                }
            }
        }
        for (int c = 'A'; c <= 'Z'; c++) {
            classOf[c] = classOf[c + 32];
        }
        classes = next;
        // trie
        List<int[]> go = new ArrayList<>();
        List<List<Integer>> outs = new ArrayList<>();
        go.add(newRow());
        outs.add(new ArrayList<>());
        for (int i = 0; i < kws.length; i++) {
            int s = 0;
            for (byte b : kws[i]) {
                int c = classOf[b & 0xff];
                if (go.get(s)[c] <= 0) {
                    go.add(newRow());
                    outs.add(new ArrayList<>());
                    go.get(s)[c] = go.size() - 1;
                }
                s = go.get(s)[c];
            }
            outs.get(s).add(i);
        }
        int n = go.size();
        int[] fail = new int[n];
        delta = new int[n * classes];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < classes; c++) {
            int t = go.get(0)[c];
            if (t > 0) {
                fail[t] = 0;
                delta[c] = t;
                queue.add(t);
            } else {
                delta[c] = 0;
            }
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            outs.get(s).addAll(outs.get(fail[s]));
            for (int c = 0; c < classes; c++) {
                int t = go.get(s)[c];
                if (t > 0) {
                    fail[t] = delta[fail[s] * classes + c];
                    delta[s * classes + c] = t;
                    queue.add(t);
                } else {
                    delta[s * classes + c] = delta[fail[s] * classes + c];
                }
            }
        }
        out = new int[n][];
        for (int s = 0; s < n; s++) {
            List<Integer> o = outs.get(s);
            out[s] = o.isEmpty() ? null : o.stream().distinct().mapToInt(Integer::intValue).toArray();
        }
    }

    private int[] newRow() {
        int[] r = new int[128];
        Arrays.fill(r, -1);
        return r;
    }

    public int keywordLength(int keyword) {
        return keywordLength[keyword];
    }

    /** Reports all keyword occurrences in {@code data[from, to)}. */
    public void scan(byte[] data, int from, int to, Hits hits) {
        final byte[] cls = classOf;
        final int[] d = delta;
        final int[][] o = out;
        final int k = classes;
        int s = 0;
        for (int i = from; i < to; i++) {
            s = d[s * k + cls[data[i] & 0xff]];
            int[] found = o[s];
            if (found != null) {
                for (int kw : found) {
                    hits.hit(kw, i + 1);
                }
            }
        }
    }
}
