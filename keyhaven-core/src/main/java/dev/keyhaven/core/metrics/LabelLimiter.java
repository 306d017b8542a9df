package dev.keyhaven.core.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps one label's cardinality bounded: the first {@code max} distinct values pass (cleaned and shortened), every
 * later new value becomes {@link #OTHER}. A scrape can therefore never grow without bound, whatever clients send.
 */
final class LabelLimiter {
    static final String OTHER = "_other";
    static final int MAX_VALUE_CHARS = 96;

    private final int max;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    LabelLimiter(int max) {
        if (max < 1) throw new IllegalArgumentException("max must be positive");
        this.max = max;
    }

    String admit(String raw) {
        String v = clean(raw);
        if (seen.contains(v)) return v;
        synchronized (this) {
            if (seen.contains(v)) return v;
            if (seen.size() >= max) return OTHER;
            seen.add(v);
            return v;
        }
    }

    int size() {
        return seen.size();
    }

    /** Printable, at most {@link #MAX_VALUE_CHARS} characters; empty becomes "none". */
    static String clean(String raw) {
        if (raw == null || raw.isEmpty()) return "none";
        StringBuilder sb = new StringBuilder(Math.min(raw.length(), MAX_VALUE_CHARS));
        for (int i = 0; i < raw.length() && sb.length() < MAX_VALUE_CHARS; i++) {
            char c = raw.charAt(i);
            sb.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '_' : c);
        }
        return sb.toString();
    }
}
