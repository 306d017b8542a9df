package dev.keyhaven.core.metrics;

import java.util.Set;

/**
 * The bounded "path prefix" used in metric labels and spike detection: at most the first two <em>folder</em>
 * segments of a secret path below its mount, never the leaf (the secret's own name) and never more. KV v2's API
 * segment ({@code data/}, {@code metadata/}, ...) is not part of the secret path and is skipped.
 *
 * <p>Examples (mount {@code secret/}, type {@code kv}): {@code data/app/db/password} → {@code app/db/};
 * {@code data/app/config} → {@code app/}; {@code data/toplevel} → {@code /}.
 */
public final class PathPrefix {
    public static final int MAX_SEGMENTS = 2;
    /** Prefix of secrets stored directly under the mount. */
    public static final String ROOT = "/";
    private static final Set<String> KV2_API = Set.of("data", "metadata", "delete", "undelete", "destroy", "subkeys");

    private PathPrefix() {}

    /** The prefix of {@code relativePath} (relative to its mount) for an engine of type {@code mountType}. */
    public static String of(String mountType, String relativePath) {
        String p = relativePath == null ? "" : relativePath;
        while (p.startsWith("/")) p = p.substring(1);
        if ("kv".equals(mountType)) {
            int slash = p.indexOf('/');
            if (slash > 0 && KV2_API.contains(p.substring(0, slash))) p = p.substring(slash + 1);
        }
        return folders(p);
    }

    /** At most {@link #MAX_SEGMENTS} leading folder segments of {@code path}, with a trailing slash; {@link #ROOT} if none. */
    public static String folders(String path) {
        String p = path == null ? "" : path;
        while (p.startsWith("/")) p = p.substring(1);
        String[] segs = p.split("/", -1);
        // the last segment is the leaf (or empty for a folder path ending in '/'); never part of the prefix
        int folders = Math.min(MAX_SEGMENTS, segs.length - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < folders; i++) {
            if (segs[i].isEmpty()) break;
            sb.append(segs[i]).append('/');
        }
        return sb.length() == 0 ? ROOT : sb.toString();
    }
}
