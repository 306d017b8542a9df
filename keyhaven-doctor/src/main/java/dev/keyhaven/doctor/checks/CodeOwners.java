package dev.keyhaven.doctor.checks;

import dev.keyhaven.scanner.walk.GitIgnore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * GitHub CODEOWNERS: one "pattern owner..." rule per line, the last matching rule wins, a rule without owners
 * un-owns. Each pattern is matched by the scanner's gitignore single-pattern matcher ({@link GitIgnore.IgnorePattern}:
 * anchoring, directory-only trailing slash, '*', '?', '**'), with CODEOWNERS' own reading of a match:
 * <ul>
 *   <li>a pattern that matches a directory owns everything below it ({@code /.github/}, {@code apps/}, {@code /docs});</li>
 *   <li>except a pattern ending in {@code /*}, which owns the directory's direct children only: GitHub documents that
 *       {@code docs/*} owns {@code docs/getting-started.md} but not {@code docs/build-app/troubleshooting.md}
 *       (in a .gitignore, {@code docs/*} would also ignore the nested file through its ignored parent).</li>
 * </ul>
 * '!' negation and '[]' classes, valid in .gitignore, are not supported by GitHub and are reported.
 */
final class CodeOwners {
    record Rule(GitIgnore.IgnorePattern pattern, boolean childrenOnly, List<String> owners, int line) {
        boolean owns(String path) {
            if (pattern.matches(path, false)) return true;
            if (childrenOnly) return false;
            for (int s = path.indexOf('/'); s > 0; s = path.indexOf('/', s + 1)) {
                if (pattern.matches(path.substring(0, s), true)) return true;
            }
            return false;
        }
    }

    record Problem(int line, String message) {}

    private final List<Rule> rules = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();

    static CodeOwners parse(String text) {
        CodeOwners c = new CodeOwners();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].trim();
            if (l.isEmpty() || l.startsWith("#")) continue;
            int hash = l.indexOf(" #");
            if (hash >= 0) l = l.substring(0, hash).trim();
            String[] parts = l.split("\\s+");
            String pat = parts[0];
            if (pat.startsWith("!") || pat.contains("[")) {
                c.problems.add(new Problem(i + 1, "CODEOWNERS pattern '" + pat + "' uses syntax GitHub does not support"));
                continue;
            }
            List<String> owners = new ArrayList<>();
            for (int k = 1; k < parts.length; k++) {
                String o = parts[k];
                if (o.startsWith("@") || o.contains("@")) owners.add(o);
                else c.problems.add(new Problem(i + 1, "CODEOWNERS owner '" + o + "' is neither @user, @org/team nor an email"));
            }
            Optional<GitIgnore.IgnorePattern> p = GitIgnore.IgnorePattern.of(pat);
            if (p.isEmpty()) continue;
            boolean childrenOnly = pat.endsWith("/*") && !pat.endsWith("/**");
            c.rules.add(new Rule(p.get(), childrenOnly, owners, i + 1));
        }
        return c;
    }

    /** Owners of a repository-relative path (empty when no rule owns it, or the last matching rule has no owners). */
    List<String> owners(String path) {
        List<String> owners = List.of();
        for (Rule r : rules) if (r.owns(path)) owners = r.owners;
        return owners;
    }

    List<Problem> problems() { return problems; }
}
