package dev.keyhaven.doctor.checks;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GitHub CODEOWNERS: one "pattern owner..." rule per line, the last matching rule wins, a rule without owners
 * un-owns. Patterns follow gitignore's glob rules (anchored when they contain a slash before the end, a trailing
 * slash matches a directory's contents, '**' spans directories); '!' negation and '[]' classes are not supported
 * by GitHub and are reported.
 */
final class CodeOwners {
    record Rule(Pattern regex, List<String> owners, int line) {}

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
            c.rules.add(new Rule(Pattern.compile(toRegex(pat)), owners, i + 1));
        }
        return c;
    }

    static String toRegex(String pat) {
        boolean dirOnly = pat.endsWith("/");
        String p = dirOnly ? pat.substring(0, pat.length() - 1) : pat;
        boolean anchored = p.startsWith("/") || p.contains("/");
        if (p.startsWith("/")) p = p.substring(1);
        StringBuilder sb = new StringBuilder(anchored ? "^" : "^(?:.*/)?");
        for (int i = 0; i < p.length(); i++) {
            char ch = p.charAt(i);
            if (ch == '*') {
                if (i + 1 < p.length() && p.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < p.length() && p.charAt(i + 1) == '/') { i++; sb.append("(?:.*/)?"); } else sb.append(".*");
                } else sb.append("[^/]*");
            } else if (ch == '?') sb.append("[^/]");
            else sb.append(Pattern.quote(String.valueOf(ch)));
        }
        // a pattern matching a directory owns everything below it
        sb.append(dirOnly ? "/.*$" : "(?:/.*)?$");
        return sb.toString();
    }

    List<String> owners(String path) {
        List<String> owners = List.of();
        for (Rule r : rules) if (r.regex.matcher(path).matches()) owners = r.owners;
        return owners;
    }

    List<Problem> problems() { return problems; }
}
