package dev.keyhaven.core.rotation;

import dev.keyhaven.core.auth.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A rotator's settings: plain, non-secret strings (connection addresses, user names, KV paths of the credentials the
 * rotator uses). Lists are comma-separated. Typed getters fail with a 400 that names the setting.
 */
public final class Settings {
    private final Map<String, String> values;

    public Settings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public static Settings empty() {
        return new Settings(Map.of());
    }

    public Map<String, String> asMap() {
        return values;
    }

    public Optional<String> get(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
    }

    public String require(String key) {
        return get(key).orElseThrow(() -> RotationException.badRequest("setting '" + key + "' is required"));
    }

    public String get(String key, String dflt) {
        return get(key).orElse(dflt);
    }

    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        get(key).ifPresent(v -> {
            for (String s : v.split(",")) if (!s.isBlank()) out.add(s.strip());
        });
        return out;
    }

    public int integer(String key, int dflt, int min, int max) {
        Optional<String> v = get(key);
        if (v.isEmpty()) return dflt;
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) throw RotationException.badRequest("setting '" + key + "' must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw RotationException.badRequest("setting '" + key + "' must be an integer");
        }
    }

    public boolean bool(String key, boolean dflt) {
        Optional<String> v = get(key);
        if (v.isEmpty()) return dflt;
        return switch (v.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw RotationException.badRequest("setting '" + key + "' must be true or false");
        };
    }

    public Duration duration(String key, Duration dflt) {
        Optional<String> v = get(key);
        return v.isEmpty() ? dflt : Durations.parseNonNegative(key, v.get());
    }

    /** Rejects keys outside {@code allowed} (typos must not be silently ignored). */
    public void allowOnly(String rotator, Set<String> allowed) {
        List<String> unknown = new ArrayList<>();
        for (String k : values.keySet()) if (!allowed.contains(k)) unknown.add(k);
        if (!unknown.isEmpty()) {
            throw RotationException.badRequest("unknown setting(s) for rotator '" + rotator + "': " + String.join(", ", unknown)
                    + " (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
        }
    }

    @Override
    public String toString() {
        return "Settings" + values; // settings are non-secret by contract (credentials are referenced by KV path)
    }
}
