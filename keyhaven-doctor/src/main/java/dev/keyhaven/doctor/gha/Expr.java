package dev.keyhaven.doctor.gha;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GitHub Actions {@code ${{ }}} expressions inside a string, and the value domains of the contexts they read. */
public final class Expr {
    private Expr() {}

    private static final Pattern EXPR = Pattern.compile("\\$\\{\\{(.*?)}}", Pattern.DOTALL);

    /**
     * Contexts an outsider controls (issue/PR/comment/commit text, branch names). Numeric ids, SHAs and fixed enums
     * (for example {@code github.event.pull_request.number}, {@code github.event.pull_request.head.sha}) are not here.
     */
    private static final Pattern UNTRUSTED = Pattern.compile(
            "github\\.head_ref"
                    + "|github\\.event\\.(issue|pull_request|discussion)\\.(title|body)"
                    + "|github\\.event\\.(comment|review|review_comment)\\.body"
                    + "|github\\.event\\.pull_request\\.head\\.(ref|label|repo\\.default_branch)"
                    + "|github\\.event\\.pages\\.[^\\s)]*\\.page_name"
                    + "|github\\.event\\.commits\\.[^\\s)]*\\.(message|author\\.(email|name))"
                    + "|github\\.event\\.head_commit\\.(message|author\\.(email|name))"
                    + "|github\\.event\\.workflow_run\\.(head_branch|display_title|head_commit\\.(message|author\\.(email|name))|pull_requests\\.[^\\s)]*\\.head\\.ref)"
                    + "|toJSON\\(\\s*github\\.event\\s*\\)"
                    + "|github\\.event\\.(inputs|client_payload)\\.[A-Za-z0-9_.-]+"
                    + "|inputs\\.[A-Za-z0-9_-]+");

    private static final Pattern SECRET_REF = Pattern.compile("\\bsecrets\\.([A-Za-z0-9_]+)|\\bsecrets\\[\\s*'([^']+)'\\s*]");

    public static List<String> expressions(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = EXPR.matcher(s);
        while (m.find()) out.add(m.group(1).trim());
        return out;
    }

    /** The first attacker-controlled context read in the string, if any. */
    public static java.util.Optional<String> untrustedContext(String s, boolean includeInputs) {
        for (String e : expressions(s)) {
            Matcher m = UNTRUSTED.matcher(e);
            while (m.find()) {
                String c = m.group();
                if (!includeInputs && (c.startsWith("inputs.") || c.startsWith("github.event.inputs"))) continue;
                return java.util.Optional.of(c);
            }
        }
        return java.util.Optional.empty();
    }

    /** Names of secrets referenced by {@code ${{ secrets.X }}} in the string. */
    public static List<String> secretRefs(String s) {
        List<String> out = new ArrayList<>();
        for (String e : expressions(s)) {
            Matcher m = SECRET_REF.matcher(e);
            while (m.find()) out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    public static boolean hasSecretRef(String s) { return !secretRefs(s).isEmpty(); }

    public static boolean isExpressionOnly(String s) {
        String t = s.trim();
        return t.startsWith("${{") && t.endsWith("}}") && expressions(t).size() == 1;
    }
}
