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
 * @param tune        tunable settings ({@code default_lease_ttl}, {@code max_lease_ttl} in seconds,
 *                    {@code listing_visibility}), as set through {@code sys/mounts/:path/tune}
 */
public record MountEntry(String path, String type, String uuid, String accessor, String description, Map<String, String> options,
                         Map<String, Object> tune) {
    public MountEntry {
        options = Map.copyOf(options);
        tune = Map.copyOf(tune);
    }

    public MountEntry(String path, String type, String uuid, String accessor, String description, Map<String, String> options) {
        this(path, type, uuid, accessor, description, options, Map.of());
    }

    /** The same mount with new tunable settings and description. */
    public MountEntry withTune(String newDescription, Map<String, Object> newTune) {
        return new MountEntry(path, type, uuid, accessor, newDescription, options, newTune);
    }

    public long defaultLeaseTtl() {
        return tune.get("default_lease_ttl") instanceof Number n ? n.longValue() : 0;
    }

    public long maxLeaseTtl() {
        return tune.get("max_lease_ttl") instanceof Number n ? n.longValue() : 0;
    }

    public String listingVisibility() {
        return tune.get("listing_visibility") instanceof String v ? v : "";
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
        m.put("tune", new LinkedHashMap<>(tune));
        return m;
    }

    @SuppressWarnings("unchecked")
    public static MountEntry fromMap(Map<String, Object> m) {
        Map<String, String> opts = new LinkedHashMap<>();
        Object o = m.get("options");
        if (o instanceof Map<?, ?> om) for (Map.Entry<?, ?> e : om.entrySet()) opts.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        return new MountEntry((String) m.get("path"), (String) m.get("type"), (String) m.get("uuid"), (String) m.get("accessor"),
                m.get("description") == null ? "" : (String) m.get("description"), opts,
                m.get("tune") instanceof Map<?, ?> t ? (Map<String, Object>) t : Map.of());
    }
}
