package dev.keyhaven.core.audit;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One row of the audit table, persisted behind the barrier (Vault's audit {@code MountEntry}).
 *
 * @param path        with a trailing slash, e.g. {@code file/}
 * @param type        {@code file} or {@code store}
 * @param description free text
 * @param options     device options, string valued (as Vault requires)
 * @param local       Vault's replication flag; kept and shown, no other effect here
 * @param accessor    stable id, e.g. {@code audit_file_1a2b3c4d}; names the device's chain state in storage
 */
public record DeviceConfig(@JsonProperty("path") String path, @JsonProperty("type") String type,
                           @JsonProperty("description") String description,
                           @JsonProperty("options") Map<String, String> options,
                           @JsonProperty("local") boolean local, @JsonProperty("accessor") String accessor) {
    public DeviceConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        description = Objects.requireNonNullElse(description, "");
        options = options == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(options));
        accessor = Objects.requireNonNullElse(accessor, "");
    }

    public String option(String name, String dflt) {
        String v = options.get(name);
        return v == null ? dflt : v;
    }

    /** Go's strconv.ParseBool, as Vault reads boolean options. */
    public boolean boolOption(String name, boolean dflt) {
        String v = options.get(name);
        if (v == null || v.isEmpty()) return dflt;
        return switch (v) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw dev.keyhaven.core.logical.KeyhavenException.badRequest(
                    "unable to parse '" + name + "': value must be a boolean (true or false)");
        };
    }
}
