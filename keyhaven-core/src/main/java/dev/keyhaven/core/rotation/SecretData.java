package dev.keyhaven.core.rotation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The fields of one secret value (e.g. {@code username}, {@code password}). {@link #toString()} never shows values. */
public final class SecretData {
    private final Map<String, Object> fields;

    public SecretData(Map<String, ?> fields) {
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(fields, "fields")));
    }

    public static SecretData of(String k1, String v1) {
        return new SecretData(Map.of(k1, v1));
    }

    public static SecretData of(String k1, String v1, String k2, String v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return new SecretData(m);
    }

    public Map<String, Object> fields() {
        return fields;
    }

    public Optional<String> get(String name) {
        Object v = fields.get(name);
        return v == null ? Optional.empty() : Optional.of(String.valueOf(v));
    }

    /** The field, or a 400-style error naming the field (never its value). */
    public String require(String name) {
        return get(name).filter(s -> !s.isEmpty())
                .orElseThrow(() -> RotationException.badRequest("secret has no '" + name + "' field"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretData other && fields.equals(other.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return "SecretData" + fields.keySet() + "=<redacted>";
    }
}
