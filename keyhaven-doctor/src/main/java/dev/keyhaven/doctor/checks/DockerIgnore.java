package dev.keyhaven.doctor.checks;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * .dockerignore semantics (Docker's fileutils.PatternMatcher / moby patternmatcher), kept separate from the
 * scanner's gitignore matcher because Docker's rules really differ from git's:
 * <ul>
 *   <li>every pattern is anchored at the build-context root: {@code *.pem} excludes {@code a.pem} but not
 *       {@code certs/a.pem} (in git an unanchored pattern matches at any depth), so {@code **}{@code /*.pem} is needed;</li>
 *   <li>a leading {@code /} and {@code ./} are cleaned away and a trailing {@code /} does not make a pattern
 *       directory-only (Go's filepath.Clean);</li>
 *   <li>a file inside an excluded directory can be re-included by a later {@code !} line (Docker walks into excluded
 *       directories when an exception could apply; git never does);</li>
 *   <li>a pattern matching any parent directory excludes everything below it, and only one file
 *       ({@code .dockerignore} at the context root) applies, never nested ones.</li>
 * </ul>
 */
final class DockerIgnore {
    private record Rule(Pattern regex, boolean negate) {}

    private final List<Rule> rules = new ArrayList<>();

    DockerIgnore(String text) {
        for (String raw : text.split("\r?\n")) {
            String l = raw.trim();
            if (l.isEmpty() || l.startsWith("#")) continue;
            boolean neg = l.startsWith("!");
            if (neg) l = l.substring(1).trim();
            while (l.startsWith("/")) l = l.substring(1);
            if (l.startsWith("./")) l = l.substring(2);
            while (l.endsWith("/") && l.length() > 1) l = l.substring(0, l.length() - 1);
            if (l.isEmpty()) continue;
            rules.add(new Rule(Pattern.compile(toRegex(l)), neg));
        }
    }

    private static String toRegex(String glob) {
        StringBuilder sb = new StringBuilder("^");
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') { i++; sb.append("(?:.*/)?"); }
                    else sb.append(".*");
                } else sb.append("[^/]*");
            } else if (c == '?') sb.append("[^/]");
            else if (c == '[') {
                int end = glob.indexOf(']', i);
                if (end < 0) sb.append("\\[");
                else { sb.append('[').append(glob.substring(i + 1, end).replace("\\", "\\\\").replaceFirst("^!", "^")).append(']'); i = end; }
            } else if (c == '\\' && i + 1 < glob.length()) sb.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            else sb.append(Pattern.quote(String.valueOf(c)));
        }
        return sb.append("$").toString();
    }

    /** Whether a context-relative path is excluded from the build context. */
    boolean excludes(String path) {
        boolean excluded = false;
        List<String> prefixes = new ArrayList<>();
        String[] parts = path.split("/");
        StringBuilder cur = new StringBuilder();
        for (String p : parts) {
            if (cur.length() > 0) cur.append('/');
            cur.append(p);
            prefixes.add(cur.toString());
        }
        for (Rule r : rules) {
            boolean m = false;
            for (String pre : prefixes) if (r.regex.matcher(pre).matches()) { m = true; break; }
            if (m) excluded = !r.negate;
        }
        return excluded;
    }
}
