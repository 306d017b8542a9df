package dev.keyhaven.scanner.rules;

import com.google.re2j.Pattern;
import dev.keyhaven.scanner.Severity;
import java.util.List;
import java.util.Optional;

/**
 * One detection rule: a regex (RE2/J, linear time) whose capture group {@code secretGroup} is the secret
 * (0 = first non-empty group, or the whole match when there is none), keywords for the prefilter (lower-case;
 * a rule without keywords runs on every file), an optional Shannon-entropy floor for the secret, an optional
 * structural/checksum validator, an optional path regex (the rule only applies to matching paths; a rule with
 * a path and no regex flags the file itself), and rule-local allowlists.
 *
 * @param multiline the secret may span lines (private key blocks): the regex runs on a large window after the keyword
 * @param keywordAnchored the regex starts with one of the keywords ({@code anchor = "keyword"}): it is tried anchored at
 *                        each keyword hit instead of searched through the window (much cheaper on keyword-dense text)
 */
public record Rule(String id, String description, Severity severity, Optional<Pattern> regex, int secretGroup,
                   List<String> keywords, double entropy, Optional<Validator> validator, Optional<Pattern> path,
                   List<Allowlist> allowlists, boolean multiline, List<String> tags, boolean keywordAnchored) {
    public Rule {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("rule without id");
        }
        if (regex.isEmpty() && path.isEmpty()) {
            throw new IllegalArgumentException("rule " + id + " has neither regex nor path");
        }
        keywords = keywords.stream().map(k -> k.toLowerCase(java.util.Locale.ROOT)).filter(k -> !k.isEmpty()).toList();
        allowlists = List.copyOf(allowlists);
        tags = List.copyOf(tags);
    }

    /** Help text for reports: what it is and what to do. */
    public String help() {
        return description + ". If this is a real credential: revoke/rotate it at the issuer first, then remove it "
                + "from the code (history rewriting does not un-leak it) and load it at runtime, e.g. from Keyhaven. "
                + "If it is not a secret, add `keyhaven:allow` in a comment on that line or an allowlist entry in "
                + ".keyhaven/scan.toml.";
    }
}
