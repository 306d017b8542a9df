package dev.keyhaven.scanner;

import com.google.re2j.Pattern;
import java.util.Locale;
import java.util.Set;

/**
 * Recognises values that have the shape of a secret but are not one: template variables ({@code ${VAR}},
 * {@code {{ var }}}, {@code <token>}, {@code %(x)s}), markers such as CHANGEME / your_api_key_here / xxxx / REDACTED,
 * all-same or sequential characters, well-known defaults and documented example values (matched by SHA-256, so the
 * examples are not written here).
 */
public final class Placeholders {
    private Placeholders() {
    }

    private static final Pattern TEMPLATE = Pattern.compile(
            "\\$\\{[^}]*\\}|\\{[A-Za-z0-9_.:-]{1,40}\\}|\\$\\([^)]*\\)|\\{\\{[^}]*\\}\\}|<[A-Za-z0-9_ .-]{1,60}>|%\\([A-Za-z0-9_]+\\)s|^\\$[A-Za-z_][A-Za-z0-9_]*$|^%[A-Za-z_][A-Za-z0-9_]*%$|\\[\\[[^\\]]*\\]\\]");
    private static final Pattern MARKERS = Pattern.compile(
            "(?i)change[_-]?me|changeit|replace[_-]?(?:me|this|with)|your[_-]?[a-z]*[_-]?(?:key|token|secret|password|pass|here|id)|"
                    + "xxxx|\\*\\*\\*\\*|\\.\\.\\.\\.|redacted|placeholder|example|dummy|sample[_-]?(?:key|token|secret)|"
                    + "insert[_-]?(?:key|token|here)|put[_-]?your|fill[_-]?me|todo[_-]?(?:key|secret|token)|not[_-]?a[_-]?real|"
                    + "fake[_-]?(?:key|token|secret|password)|my[_-]?(?:secret|password|token|api[_-]?key)|s3cr3t|p@ssw0rd");
    private static final Set<String> DEFAULTS = Set.of(
            "password", "passw0rd", "secret", "admin", "root", "test", "testing", "token", "changeit", "changeme", "hunter2",
            "letmein", "qwerty", "default", "guest", "postgres", "mysql", "redis", "example", "null", "none", "undefined",
            "true", "false", "empty", "string", "value", "secretkey", "apikey", "api_key", "password123", "admin123",
            "12345678", "123456789", "1234567890", "abcdefgh", "abc12345", "notasecret", "mypassword", "yourpassword");
    /** SHA-256 of values published as examples in providers' documentation (e.g. Stripe's and jwt.io's). */
    private static final Set<String> DOCUMENTED_EXAMPLES = Set.of(
            "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
            "7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606",
            "b1471f544ceeea31333bde7e1ecbaad6eac0d4a749412ad29bd66ef895b81c6b",
            "0e3fd41c01a697720785471d7455850841950378123a3448f925c8687a8a4fa1",
            // RFC 6749 (OAuth 2.0) example tokens, client credentials and code
            "6c96130f130ab0d6d158397e24d2bcc1c9a5e73ae081f6e983f1c7b545d24a4c",
            "00cf4c781dc37003f7c7dd7d4c9a6ef1e0f4c62d9a291aa8bc398774e3fefd32",
            "ca7459e2b26776de081b9a07e40227fd6cff232a1e3233ff6b6aa6d036ca9981",
            "a35b81a7d7927b70ec99270dd2362b88580a28574af812f2c02f56469579186f",
            "b8e148545b13c78bc74da2f1a7275dd71e56ddece129d7d2f7b3ecc06f7994da",
            // PyJWT documentation token and a docs password ("not my real password", base64)
            "bf145d9380bbe05bdc1a72525796b224f8a8c93ae0e9e102eafbc255ac1af9e8",
            "7e8a30c801002173d74cfad5c170a84b6b26ff5252bf0b7430a2d569f949cab7");

    public static boolean isPlaceholder(String secret) {
        if (secret.isEmpty()) {
            return false;
        }
        String lower = secret.toLowerCase(Locale.ROOT);
        if (DEFAULTS.contains(lower)) {
            return true;
        }
        if (TEMPLATE.matcher(secret).find() || MARKERS.matcher(secret).find()) {
            return true;
        }
        String body = stripVendorPrefix(secret);
        if (body.length() >= 6 && (distinct(body) <= 2 || sequential(body))) {
            return true;
        }
        return DOCUMENTED_EXAMPLES.contains(Fingerprints.sha256Hex(secret));
    }

    private static String stripVendorPrefix(String s) {
        int cut = 0;
        for (int i = 0; i < Math.min(s.length(), 14); i++) {
            char c = s.charAt(i);
            if (c == '_' || c == '-') {
                cut = i + 1;
            }
        }
        return s.substring(cut);
    }

    private static int distinct(String s) {
        return (int) s.chars().distinct().limit(3).count();
    }

    /** 0123456789…, abcdef…, with at most a couple of breaks. */
    private static boolean sequential(String s) {
        int steps = 0;
        for (int i = 1; i < s.length(); i++) {
            int d = s.charAt(i) - s.charAt(i - 1);
            if (d == 1 || d == -1 || d == 0) {
                steps++;
            }
        }
        return s.length() - 1 - steps <= Math.max(2, s.length() / 8);
    }
}
