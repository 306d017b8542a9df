package dev.keyhaven.scanner.rules;

import com.google.re2j.Pattern;
import java.util.List;

/**
 * Things that are not findings: paths (regex on the slash-separated relative path), regexes over the secret
 * (or the whole match / line, see {@link Target}), stopwords (a secret containing one is ignored, case-insensitive),
 * and commits (history findings in these commits are ignored). Same shape as gitleaks' allowlists.
 */
public record Allowlist(String description, List<Pattern> paths, List<Pattern> regexes, Target regexTarget,
                        List<String> stopwords, List<String> commits) {
    public enum Target { SECRET, MATCH, LINE }

    public Allowlist {
        paths = List.copyOf(paths);
        regexes = List.copyOf(regexes);
        stopwords = stopwords.stream().map(s -> s.toLowerCase(java.util.Locale.ROOT)).toList();
        commits = List.copyOf(commits);
    }

    public static Allowlist empty() {
        return new Allowlist("", List.of(), List.of(), Target.SECRET, List.of(), List.of());
    }

    public boolean isEmpty() {
        return paths.isEmpty() && regexes.isEmpty() && stopwords.isEmpty() && commits.isEmpty();
    }

    public boolean allowsPath(String path) {
        for (Pattern p : paths) {
            if (p.matcher(path).find()) {
                return true;
            }
        }
        return false;
    }

    public boolean allowsCommit(String commit) {
        if (commit == null || commit.isEmpty()) {
            return false;
        }
        for (String c : commits) {
            if (!c.isEmpty() && commit.startsWith(c)) {
                return true;
            }
        }
        return false;
    }

    /** True when secret/match/line is allowed by a regex or stopword. */
    public boolean allowsValue(String secret, String match, String line) {
        String target = switch (regexTarget) {
            case SECRET -> secret;
            case MATCH -> match;
            case LINE -> line;
        };
        for (Pattern p : regexes) {
            if (p.matcher(target).find()) {
                return true;
            }
        }
        if (!stopwords.isEmpty()) {
            String lower = secret.toLowerCase(java.util.Locale.ROOT);
            for (String w : stopwords) {
                if (lower.contains(w)) {
                    return true;
                }
            }
        }
        return false;
    }
}
