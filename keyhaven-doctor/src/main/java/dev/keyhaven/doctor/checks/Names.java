package dev.keyhaven.doctor.checks;

import java.util.Locale;
import java.util.regex.Pattern;

/** Key-name and value heuristics shared by checks (names only; value detection belongs to the scanner). */
public final class Names {
    private Names() {}

    private static final Pattern SECRETISH = Pattern.compile(
            "(?i)(pass(word|wd|phrase)?|pwd|secret|token|api[_.-]?key|apikey|private[_.-]?key|access[_.-]?key|client[_.-]?secret"
                    + "|credentials?|auth[_.-]?key|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|jwt[_.-]?secret|_key$|^key$|dsn|connection[_.-]?string)");
    private static final Pattern NOT_SECRET = Pattern.compile(
            "(?i)(_file$|[_.-]file$|[_.-]path$|_url$|[_.-]uri$|_name$|[_.-]id$|_length$|_ttl$|[_.-]header$|_type$|_env$|[_.-]ref$|_field$|[_.-]enabled$|_expir\\w*$|_prefix$|_policy$|_algorithm$|[_.-]location$|public[_.-]?key|token[_.-]?endpoint|keyfile|_arn$|[_.-]mount$|max[_.-]?\\w*|min[_.-]?\\w*|_count$|_size$|timeout$|_rotation\\w*$)");

    /** Whether a config key name suggests it holds a credential (and is not a pointer to one, like *_FILE). */
    public static boolean secretish(String key) {
        String k = key.trim();
        return SECRETISH.matcher(k).find() && !NOT_SECRET.matcher(k).find();
    }

    private static final Pattern PLACEHOLDER = Pattern.compile(
            "(?i)^(change[_-]?me\\w*|changeit|replace[_-]?me\\w*|x{3,}|\\*+|todo|tbd|fixme|password|secret|passw0rd|p@ssw0rd|admin|default|example|dummy|placeholder|your[_-]?\\w*|insert[_-]?\\w*|<[^>]*>|\\.\\.\\.)$");

    /** A value that is a well-known guessable placeholder. */
    public static boolean placeholder(String value) {
        String v = value.trim();
        return !v.isEmpty() && PLACEHOLDER.matcher(v).matches();
    }

    private static final Pattern REFERENCE = Pattern.compile(
            "(?s)^(\\$\\{.*}|\\$[A-Za-z_][A-Za-z0-9_]*|\\{\\{.*}}|%\\(.*\\)s?|ENC\\[.*]|vault:.*|keyhaven:.*|sm://.*|ref\\+.*|arn:aws:secretsmanager:.*|\\$\\(.*\\)|#\\{.*}|@Microsoft\\.KeyVault.*)$");

    /** A value that refers to a secret elsewhere (${VAR}, {{ .Values.x }}, ENC[...] from SOPS, vault:...). */
    public static boolean reference(String value) {
        String v = value.trim();
        return REFERENCE.matcher(v).matches() || v.startsWith("${") || v.contains("{{");
    }

    /** A literal, non-empty, non-reference, non-placeholder value. */
    public static boolean literal(String value) {
        String v = value.trim();
        return !v.isEmpty() && !reference(v) && !placeholder(v) && !v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")
                && !v.equalsIgnoreCase("null") && !v.equals("~");
    }

    public static String lower(String s) { return s.toLowerCase(Locale.ROOT); }

    /** Redacted preview of a value: length and first two characters only for long values. */
    public static String redact(String value) {
        String v = value.trim();
        if (v.length() < 8) return "[" + v.length() + " chars]";
        return v.substring(0, 2) + "…[" + v.length() + " chars]";
    }
}
