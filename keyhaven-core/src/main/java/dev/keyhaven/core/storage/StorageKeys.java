package dev.keyhaven.core.storage;

import java.nio.charset.StandardCharsets;

/** Key rules shared by every backend and view. */
public final class StorageKeys {
    public static final int MAX_KEY_BYTES = 1024;

    private StorageKeys() {}

    /** Throws {@link StorageException} (400) when the key is not acceptable. */
    public static String validate(String key) {
        if (key == null || key.isEmpty()) throw StorageException.invalidKey("empty key");
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) throw StorageException.invalidKey("key longer than " + MAX_KEY_BYTES + " bytes");
        if (key.startsWith("/")) throw StorageException.invalidKey("leading '/'");
        if (key.endsWith("/")) throw StorageException.invalidKey("trailing '/' (folders are not values)");
        checkChars(key);
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty()) throw StorageException.invalidKey("empty path segment ('//')");
            if (seg.equals(".") || seg.equals("..")) throw StorageException.invalidKey("'.' or '..' segment");
        }
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

    private static void checkChars(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) throw StorageException.invalidKey("control character");
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                    i++;
                } else {
                    throw StorageException.invalidKey("unpaired surrogate");
                }
            }
        }
    }
}
