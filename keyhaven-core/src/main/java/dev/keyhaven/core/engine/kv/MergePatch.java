package dev.keyhaven.core.engine.kv;

import java.util.LinkedHashMap;
import java.util.Map;

/** JSON Merge Patch (RFC 7386) over parsed JSON maps: {@code null} removes a member, objects merge recursively. */
final class MergePatch {
    private MergePatch() {}

    /** Returns a new map: {@code target} with {@code patch} applied. Neither input is modified. */
    static Map<String, Object> apply(Map<String, Object> target, Map<String, Object> patch) {
        Map<String, Object> result = new LinkedHashMap<>(target);
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            Object pv = e.getValue();
            if (pv == null) {
                result.remove(e.getKey());
            } else if (pv instanceof Map<?, ?> pm) {
                Object tv = result.get(e.getKey());
                Map<String, Object> base = tv instanceof Map<?, ?> tm ? cast(tm) : Map.of();
                result.put(e.getKey(), apply(base, cast(pm)));
            } else {
                result.put(e.getKey(), pv);
            }
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
