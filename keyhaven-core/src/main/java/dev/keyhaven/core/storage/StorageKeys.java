package dev.keyhaven.core.storage;

import java.nio.charset.StandardCharsets;

/** Key rules shared by every backend and view. */
public final class StorageKeys {
    public static final int MAX_KEY_BYTES = 1024;

    private StorageKeys() {}

    /**
     * Throws {@link StorageException} (400) when the key is not acceptable. One pass over the characters, no
     * allocation: every storage layer validates, and keys are on the path of every request.
     */
    public static String validate(String key) {
        if (key == null || key.isEmpty()) throw StorageException.invalidKey("empty key");
        int n = key.length();
        if (key.charAt(0) == '/') throw StorageException.invalidKey("leading '/'");
        if (key.charAt(n - 1) == '/') throw StorageException.invalidKey("trailing '/' (folders are not values)");
        int utf8 = 0;
        int segStart = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || key.charAt(i) == '/') {
                int len = i - segStart;
                if (len == 0) throw StorageException.invalidKey("empty path segment ('//')");
                if (key.charAt(segStart) == '.' && (len == 1 || (len == 2 && key.charAt(segStart + 1) == '.'))) {
                    throw StorageException.invalidKey("'.' or '..' segment");
                }
                segStart = i + 1;
                utf8++;
                continue;
            }
            char c = key.charAt(i);
            if (c < 0x80) {
                if (c < 0x20 || c == 0x7f) throw StorageException.invalidKey("control character");
                utf8++;
            } else if (c < 0xa0) {
                throw StorageException.invalidKey("control character");
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(key.charAt(i + 1))) {
                    i++;
                    utf8 += 4;
                } else {
                    throw StorageException.invalidKey("unpaired surrogate");
                }
            } else {
                utf8 += c < 0x800 ? 2 : 3;
            }
        }
        if (utf8 - 1 > MAX_KEY_BYTES) throw StorageException.invalidKey("key longer than " + MAX_KEY_BYTES + " bytes");
        return key;
    }

    /** A list prefix: empty, or a valid key followed by '/'. */
    public static String validatePrefix(String prefix) {
        if (prefix == null) throw StorageException.invalidKey("null prefix");
        if (prefix.isEmpty()) return prefix;
        if (!prefix.endsWith("/")) throw StorageException.invalidKey("prefix must end in '/'");
        validate(prefix.substring(0, prefix.length() - 1));
        return prefix;
    }

}
