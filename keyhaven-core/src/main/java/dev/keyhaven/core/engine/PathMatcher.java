package dev.keyhaven.core.engine;

import java.util.List;

/** Matching of the path patterns engines declare: exact, or a trailing {@code *} for a prefix. */
public final class PathMatcher {
    private PathMatcher() {}

    public static boolean matches(List<String> patterns, String path) {
        for (String p : patterns) {
            if (p.endsWith("*") ? path.startsWith(p.substring(0, p.length() - 1)) : p.equals(path)) return true;
        }
        return false;
    }
}
