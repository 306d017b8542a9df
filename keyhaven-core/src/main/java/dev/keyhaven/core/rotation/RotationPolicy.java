package dev.keyhaven.core.rotation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.keyhaven.core.auth.Durations;
import dev.keyhaven.core.hcl.Hcl;
import dev.keyhaven.core.hcl.HclException;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A rotation policy: which secrets (an exact path, or a prefix pattern ending in {@code *}), how often
 * ({@code interval}), how long the previous version stays valid ({@code overlap}), which rotator and its settings.
 *
 * <p>Accepted input (API body, CLI key=value pairs, or an HCL/JSON document in the field {@code policy}):
 * <pre>
 * path     = "secret/app/db"       # or "secret/app/sessions/*"
 * category = "database"            # optional: defaults for interval, overlap, rotator
 * rotator  = "postgresql"
 * interval = "90d"
 * overlap  = "24h"
 * settings { connection_url = "jdbc:postgresql://db:5432/app"  usernames = "app_a,app_b"  admin_path = "secret/rotation/pg-admin" }
 * </pre>
 * Keys other than the known ones are rotator settings (Vault's flat key=value style).
 */
public record RotationPolicy(String name, String path, String category, String rotator, long intervalSeconds,
                             long overlapSeconds, Map<String, String> settings) {
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Settings every policy may carry, handled by the engine rather than the rotator. */
    public static final Set<String> ENGINE_SETTINGS = Set.of("mount", "notify_url", "notify_secret_path");
    static final Duration MIN_INTERVAL = Duration.ofMinutes(1);
    private static final Set<String> FIELDS = Set.of("path", "category", "rotator", "interval", "overlap", "settings", "policy");

    public RotationPolicy {
        settings = Map.copyOf(settings == null ? Map.of() : settings);
        category = category == null ? "" : category;
    }

    @JsonIgnore
    public Duration interval() {
        return Duration.ofSeconds(intervalSeconds);
    }

    @JsonIgnore
    public Duration overlap() {
        return Duration.ofSeconds(overlapSeconds);
    }

    /** Settings for the rotator (without the engine-level ones). */
    @JsonIgnore
    public Settings rotatorSettings() {
        Map<String, String> m = new TreeMap<>(settings);
        m.keySet().removeAll(ENGINE_SETTINGS);
        return new Settings(m);
    }

    @JsonIgnore
    public Settings allSettings() {
        return new Settings(settings);
    }

    /** Whether the pattern ends in {@code *} (a prefix that matches many secrets). */
    @JsonIgnore
    public boolean isPattern() {
        return path.endsWith("*");
    }

    public boolean matches(String secretPath) {
        return isPattern() ? secretPath.startsWith(path.substring(0, path.length() - 1)) : secretPath.equals(path);
    }

    public Map<String, Object> toResponse() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("path", path);
        m.put("category", category);
        m.put("rotator", rotator);
        m.put("interval", DurationText.format(interval()));
        m.put("interval_seconds", intervalSeconds);
        m.put("overlap", DurationText.format(overlap()));
        m.put("overlap_seconds", overlapSeconds);
        m.put("settings", new TreeMap<>(settings));
        return m;
    }

    /** Parses a policy from request data; every problem is a 400 naming the field. */
    public static RotationPolicy parse(String name, Map<String, Object> data) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw KeyhavenException.badRequest("invalid policy name: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        Map<String, Object> fields = new LinkedHashMap<>(data);
        Object doc = fields.remove("policy");
        if (doc != null) {
            if (!(doc instanceof String text)) throw KeyhavenException.badRequest("'policy' must be an HCL or JSON document as a string");
            Map<String, Object> parsed = parseDocument(text);
            for (Map.Entry<String, Object> e : parsed.entrySet()) fields.putIfAbsent(e.getKey(), e.getValue());
        }
        String path = string(fields, "path").orElseThrow(() -> KeyhavenException.badRequest("'path' is required (a secret path such as secret/app/db, or a prefix ending in *)"));
        path = checkPath(path);
        Optional<Category> category = string(fields, "category").map(c -> Category.of(c).orElseThrow(() ->
                KeyhavenException.badRequest("unknown category '" + printable(c) + "' (known: database, cache, api-key, signing-key, session-secret)")));
        String rotator = string(fields, "rotator").or(() -> category.map(Category::rotator).filter(r -> !r.isEmpty()))
                .orElseThrow(() -> KeyhavenException.badRequest("'rotator' is required"
                        + (category.isPresent() ? " for category '" + category.get().id() + "'" : "")
                        + " (random, postgresql, mysql, redis, webhook, transit, jwt)"));
        Duration interval = fields.containsKey("interval") ? Durations.parseNonNegative("interval", fields.get("interval"))
                : category.map(Category::interval).orElseThrow(() -> KeyhavenException.badRequest("'interval' is required (e.g. 90d)"));
        Duration overlap = fields.containsKey("overlap") ? Durations.parseNonNegative("overlap", fields.get("overlap"))
                : category.map(Category::overlap).orElse(Duration.ZERO);
        if (interval.compareTo(MIN_INTERVAL) < 0) throw KeyhavenException.badRequest("'interval' must be at least 1m");
        if (overlap.compareTo(interval) >= 0) throw KeyhavenException.badRequest("'overlap' must be shorter than 'interval'");

        Map<String, String> settings = new TreeMap<>();
        Object nested = fields.get("settings");
        if (nested != null) {
            if (!(nested instanceof Map<?, ?> m)) throw KeyhavenException.badRequest("'settings' must be an object");
            for (Map.Entry<?, ?> e : m.entrySet()) settings.put(String.valueOf(e.getKey()), settingValue(String.valueOf(e.getKey()), e.getValue()));
        }
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (FIELDS.contains(e.getKey())) continue;
            if (settings.containsKey(e.getKey())) throw KeyhavenException.badRequest("setting '" + printable(e.getKey()) + "' given twice");
            settings.put(e.getKey(), settingValue(e.getKey(), e.getValue()));
        }
        for (String k : settings.keySet()) {
            if (!k.matches("[a-z][a-z0-9_]{0,63}")) throw KeyhavenException.badRequest("invalid setting name '" + printable(k) + "'");
        }
        return new RotationPolicy(name, path, category.map(Category::id).orElse(""), rotator, interval.getSeconds(), overlap.getSeconds(), settings);
    }

    private static Map<String, Object> parseDocument(String text) {
        String t = text.strip();
        if (t.startsWith("{")) return Json.parseObject(t.getBytes(StandardCharsets.UTF_8));
        try {
            return Hcl.parse(text).toMap();
        } catch (HclException e) {
            throw KeyhavenException.badRequest("failed to parse policy document: " + e.getMessage());
        }
    }

    private static String settingValue(String key, Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Number || v instanceof Boolean) return String.valueOf(v);
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder();
            for (Object o : l) {
                if (!(o instanceof String || o instanceof Number)) throw KeyhavenException.badRequest("setting '" + printable(key) + "' must be a string or a list of strings");
                String s = String.valueOf(o);
                if (s.contains(",")) throw KeyhavenException.badRequest("setting '" + printable(key) + "': list items must not contain ','");
                if (sb.length() > 0) sb.append(',');
                sb.append(s);
            }
            return sb.toString();
        }
        throw KeyhavenException.badRequest("setting '" + printable(key) + "' must be a string, number, boolean or list");
    }

    private static Optional<String> string(Map<String, Object> fields, String key) {
        Object v = fields.get(key);
        if (v == null) return Optional.empty();
        if (!(v instanceof String s)) throw KeyhavenException.badRequest("'" + key + "' must be a string");
        return s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }

    static String checkPath(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.length() > 512) throw KeyhavenException.badRequest("invalid path: longer than 512 characters");
        if (p.indexOf('*') >= 0 && p.indexOf('*') != p.length() - 1) throw KeyhavenException.badRequest("invalid path: '*' is only allowed at the end");
        String body = p.endsWith("*") ? p.substring(0, p.length() - 1) : p;
        if (!body.contains("/")) throw KeyhavenException.badRequest("invalid path: expected <mount>/<secret path>, e.g. secret/app/db");
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c < 0x20 || c == 0x7f) throw KeyhavenException.badRequest("invalid path: control characters are not allowed");
        }
        String[] segs = body.split("/", -1);
        for (int i = 0; i < segs.length; i++) {
            boolean lastOfPrefix = i == segs.length - 1 && p.endsWith("*");
            if (segs[i].isEmpty() && !lastOfPrefix) throw KeyhavenException.badRequest("invalid path: empty path segment");
            if (segs[i].equals(".") || segs[i].equals("..")) throw KeyhavenException.badRequest("invalid path: '.' and '..' segments are not allowed");
        }
        return p;
    }

    static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
