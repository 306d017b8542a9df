package dev.keyhaven.core.router;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of the mount table, as persisted (JSON) in the barrier at {@code core/mounts}.
 *
 * @param path        mount point with trailing slash ({@code secret/}, {@code auth/approle/})
 * @param type        engine type ({@code kv}, {@code transit}, {@code approle}, ...)
 * @param uuid        storage identity: the engine's data lives under {@code logical/<uuid>/} (or {@code auth/<uuid>/})
 * @param accessor    public handle, e.g. {@code kv_1a2b3c4d}
 * @param description free text
 * @param options     engine options (e.g. {@code version=2} for kv)
 */
public record MountEntry(String path, String type, String uuid, String accessor, String description, Map<String, String> options) {
    public MountEntry {
        options = Map.copyOf(options);
    }

    public boolean isAuth() {
        return path.startsWith("auth/");
    }

    /** The barrier prefix holding this mount's data. */
    public String storagePrefix() {
        return (isAuth() ? "auth/" : "logical/") + uuid + "/";
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("type", type);
        m.put("uuid", uuid);
        m.put("accessor", accessor);
        m.put("description", description);
        m.put("options", new LinkedHashMap<>(options));
        return m;
    }

    @SuppressWarnings("unchecked")
    public static MountEntry fromMap(Map<String, Object> m) {
        Map<String, String> opts = new LinkedHashMap<>();
        Object o = m.get("options");
        if (o instanceof Map<?, ?> om) for (Map.Entry<?, ?> e : om.entrySet()) opts.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        return new MountEntry((String) m.get("path"), (String) m.get("type"), (String) m.get("uuid"), (String) m.get("accessor"),
                m.get("description") == null ? "" : (String) m.get("description"), opts);
    }
}
