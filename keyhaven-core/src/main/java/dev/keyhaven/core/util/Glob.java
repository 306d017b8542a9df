package dev.keyhaven.core.util;

/** Vault's glob for {@code *_glob} fields and bound claims (ryanuber/go-glob): {@code *} matches any run of characters, '/' and ':' included. */
public final class Glob {
    private Glob() {}

    public static boolean matches(String pattern, String s) {
        if (pattern.equals("*")) return true;
        String[] parts = pattern.split("\\*", -1);
        if (parts.length == 1) return pattern.equals(s);
        if (!s.startsWith(parts[0])) return false;
        int pos = parts[0].length();
        for (int i = 1; i < parts.length - 1; i++) {
            int at = s.indexOf(parts[i], pos);
            if (at < 0) return false;
            pos = at + parts[i].length();
        }
        String last = parts[parts.length - 1];
        return s.length() - pos >= last.length() && s.endsWith(last);
    }
}
