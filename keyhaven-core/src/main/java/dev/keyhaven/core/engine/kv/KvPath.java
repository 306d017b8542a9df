package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.logical.KeyhavenException;
import java.nio.charset.StandardCharsets;

/**
 * Validation of secret paths (the {@code :path} part of {@code data/:path}, {@code metadata/:path}, ...).
 *
 * <p>A secret path is a {@code /}-separated sequence of non-empty segments without {@code .} or {@code ..}, without
 * control characters, at most {@link #MAX_PATH_BYTES} bytes of UTF-8. Messages echo no part of the request other than
 * the rule that was broken.
 */
final class KvPath {
    /** Leaves room under the storage key limit for the engine's own prefixes and the mount prefix. */
    static final int MAX_PATH_BYTES = 512;

    private KvPath() {}

    /** A path that names one secret: no trailing slash. */
    static String secret(String path) {
        if (path.isEmpty()) throw KeyhavenException.badRequest("missing path");
        if (path.endsWith("/")) throw KeyhavenException.badRequest("invalid secret path: a secret path must not end in '/'");
        checkCommon(path);
        return path;
    }

    /** A folder to list: empty (the root) or a path ending in '/'. Returns it normalised to end in '/' (or empty). */
    static String folder(String path) {
        if (path.isEmpty()) return path;
        String p = path.endsWith("/") ? path : path + "/";
        checkCommon(p.substring(0, p.length() - 1));
        return p;
    }

    private static void checkCommon(String path) {
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw KeyhavenException.badRequest("invalid secret path: longer than " + MAX_PATH_BYTES + " bytes");
        }
        if (path.startsWith("/")) throw KeyhavenException.badRequest("invalid secret path: must not start with '/'");
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                throw KeyhavenException.badRequest("invalid secret path: control characters are not allowed");
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < path.length() && Character.isLowSurrogate(path.charAt(i + 1))) {
                    i++;
                } else {
                    throw KeyhavenException.badRequest("invalid secret path: malformed unicode");
                }
            }
        }
        for (String seg : path.split("/", -1)) {
            if (seg.isEmpty()) throw KeyhavenException.badRequest("invalid secret path: empty path segment ('//')");
            if (seg.equals(".") || seg.equals("..")) {
                throw KeyhavenException.badRequest("invalid secret path: '.' and '..' segments are not allowed");
            }
        }
    }
}
