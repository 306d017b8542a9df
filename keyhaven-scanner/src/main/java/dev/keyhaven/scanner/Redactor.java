package dev.keyhaven.scanner;

/** Redacts a secret for display: a recognisable prefix and the last 4 characters, e.g. {@code ghp_…Ab12}. */
public final class Redactor {
    private Redactor() {
    }

    public static String redact(String secret) {
        if (secret == null || secret.isEmpty()) {
            return "";
        }
        int n = secret.length();
        if (n < 12) {
            return "…" + "*".repeat(Math.min(n, 4));
        }
        int prefix = prefixLength(secret);
        return secret.substring(0, prefix) + "…" + secret.substring(n - 4);
    }

    /** Keep a vendor prefix such as ghp_, sk_live_, xoxb-, AKIA, glpat- (never more than 8 chars, never more than a third). */
    private static int prefixLength(String s) {
        int max = Math.min(8, s.length() / 3);
        for (int i = max - 1; i >= 2; i--) {
            char c = s.charAt(i);
            if (c == '_' || c == '-' || c == '.') {
                return i + 1;
            }
        }
        if (s.startsWith("AKIA") || s.startsWith("ASIA")) {
            return 4;
        }
        return Math.min(2, max);
    }
}
