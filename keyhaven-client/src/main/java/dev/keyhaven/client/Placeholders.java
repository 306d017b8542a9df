package dev.keyhaven.client;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Recognises values copied from an example file and never filled in: {@code CHANGEME…},
 * {@code your_…_here}, {@code <…>}, {@code replace_me}, {@code todo}, {@code fixme}, {@code xxx…}.
 * Case-insensitive, after trimming.
 */
public final class Placeholders {

    private static final List<Pattern> PATTERNS = List.of(
            Pattern.compile("(?i)change[_-]?me.*"),
            Pattern.compile("(?i)your[_-].*[_-]here"),
            Pattern.compile("<[^<>]*>"),
            Pattern.compile("(?i)replace[_-]?me.*"),
            Pattern.compile("(?i)(todo|fixme|tbd)"),
            Pattern.compile("(?i)x{3,}"));

    private Placeholders() {
    }

    /** True when {@code value} looks like an unfilled placeholder. */
    public static boolean isPlaceholder(Secret value) {
        String v = value.reveal().strip();
        if (v.isEmpty()) {
            return false;
        }
        for (Pattern p : PATTERNS) {
            if (p.matcher(v).matches()) {
                return true;
            }
        }
        return false;
    }
}
