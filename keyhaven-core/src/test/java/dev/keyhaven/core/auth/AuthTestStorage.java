package dev.keyhaven.core.auth;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Storage for the auth tests. One factory method, so the suite can be pointed at another backend (e.g. SQLite)
 * by changing {@link #create()} only.
 */
public final class AuthTestStorage {
    private AuthTestStorage() {}

    public static Storage create() {
        return new MemoryStorage();
    }

    /** Every key and value in the store (recursively listed), for "nothing was written" assertions. */
    public static Map<String, String> dump(Storage s) {
        Map<String, String> out = new TreeMap<>();
        walk(s, "", out);
        return out;
    }

    private static void walk(Storage s, String prefix, Map<String, String> out) {
        for (String child : s.list(prefix)) {
            if (child.endsWith("/")) walk(s, prefix + child, out);
            else out.put(prefix + child, Arrays.toString(s.get(prefix + child).orElseThrow()));
        }
    }

    /** All keys and values as one string (values decoded as ISO-8859-1 so any byte sequence survives), for canary searches. */
    public static String everything(Storage s) {
        StringBuilder sb = new StringBuilder();
        Map<String, String> m = new TreeMap<>();
        walkRaw(s, "", m);
        m.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    private static void walkRaw(Storage s, String prefix, Map<String, String> out) {
        for (String child : s.list(prefix)) {
            if (child.endsWith("/")) walkRaw(s, prefix + child, out);
            else out.put(prefix + child, new String(s.get(prefix + child).orElseThrow(), java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }
}
