package dev.keyhaven.core.audit;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.keyhaven.core.util.Json;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders request and response entries in Vault's JSON layout ({@code time, type, auth, request, response, error}),
 * HMAC-ing every string of request and response data, the client token and (with {@code hmac_accessor}) the
 * accessor, unless {@code log_raw}. The result is the compact JSON body without the chain fields.
 */
final class EntryFormatter {
    /** RFC 3339 with nanoseconds, UTC, as Vault writes {@code time}. */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);

    private EntryFormatter() {}

    static String time(Instant t) {
        return TIME.format(t);
    }

    static byte[] request(AuditEvent ev, KeyhavenException error, AuditHasher hasher, FormatOptions o, Instant now) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", time(now));
        e.put("type", "request");
        String[] f = fragments(ev, hasher, o);
        if (f[0] != null) e.put("auth", new RawValue(f[0]));
        e.put("request", new RawValue(f[1]));
        if (error != null) e.put("error", errorText(error));
        return Json.write(e);
    }

    /** The serialized auth and request blocks of an event for one format, built once and shared by both entries. */
    private static String[] fragments(AuditEvent ev, AuditHasher hasher, FormatOptions o) {
        return ev.fragments.computeIfAbsent(o, k -> {
            Map<String, Object> auth = auth(ev.auth(), hasher, k);
            return new String[] {
                auth == null ? null : new String(Json.write(auth), java.nio.charset.StandardCharsets.UTF_8),
                new String(Json.write(request(ev, hasher, k)), java.nio.charset.StandardCharsets.UTF_8)};
        });
    }

    static byte[] response(AuditEvent ev, Response resp, KeyhavenException error, AuditHasher hasher, FormatOptions o, Instant now) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", time(now));
        e.put("type", "response");
        String[] f = fragments(ev, hasher, o);
        if (f[0] != null) e.put("auth", new RawValue(f[0]));
        e.put("request", new RawValue(f[1]));
        Request r = ev.request();
        Map<String, Object> out = new LinkedHashMap<>();
        putIfNotEmpty(out, "mount_point", r.mountPoint());
        putIfNotEmpty(out, "mount_type", r.mountType());
        putIfNotEmpty(out, "mount_accessor", r.mountAccessor());
        if (resp != null) {
            if (resp.auth() != null && !resp.auth().isEmpty()) out.put("auth", responseAuth(resp.auth(), hasher, o));
            Map<String, Object> data = resp.isRaw() ? resp.raw() : resp.data();
            if (data != null && o.elideListResponses() && r.operation() == dev.keyhaven.core.logical.Operation.LIST) data = elide(data);
            if (data != null && !data.isEmpty()) out.put("data", o.logRaw() ? data : hasher.hashStructure(data));
            if (resp.leaseId() != null && !resp.leaseId().isEmpty()) out.put("secret", Map.of("lease_id", resp.leaseId()));
            if (!resp.warnings().isEmpty()) out.put("warnings", List.copyOf(resp.warnings()));
        }
        e.put("response", out);
        if (error != null) e.put("error", errorText(error));
        return Json.write(e);
    }

    /** Vault's elide_list_responses: a LIST response's {@code keys} and {@code key_info} become their sizes. */
    private static Map<String, Object> elide(Map<String, Object> data) {
        Map<String, Object> m = new LinkedHashMap<>(data);
        if (m.get("keys") instanceof java.util.Collection<?> c) m.put("keys", c.size());
        if (m.get("key_info") instanceof Map<?, ?> ki) m.put("key_info", ki.size());
        return m;
    }

    /** Vault's error field: the messages joined; the code name when there is none (e.g. a 404 without text). */
    static String errorText(KeyhavenException error) {
        if (!error.errors().isEmpty()) return String.join("; ", error.errors());
        return switch (error.code()) {
            case NOT_FOUND -> "not found";
            case PERMISSION_DENIED -> "permission denied";
            default -> error.code().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static Map<String, Object> auth(AuditAuth a, AuditHasher h, FormatOptions o) {
        if (a.isEmpty()) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        putIfNotEmpty(m, "client_token", secret(a.clientToken(), h, o, true));
        putIfNotEmpty(m, "accessor", secret(a.accessor(), h, o, o.hmacAccessor()));
        putIfNotEmpty(m, "display_name", a.displayName());
        if (!a.policies().isEmpty()) {
            m.put("policies", a.policies());
            m.put("token_policies", a.policies());
        }
        if (!a.metadata().isEmpty()) m.put("metadata", new java.util.TreeMap<>(a.metadata()));
        putIfNotEmpty(m, "entity_id", a.entityId());
        putIfNotEmpty(m, "token_type", a.tokenType());
        return m;
    }

    private static Map<String, Object> responseAuth(Map<String, Object> auth, AuditHasher h, FormatOptions o) {
        Map<String, Object> m = new LinkedHashMap<>(auth);
        if (!o.logRaw()) {
            if (m.get("client_token") instanceof String s && !s.isEmpty()) m.put("client_token", h.hash(s));
            if (m.get("token_accessor") instanceof String s && !s.isEmpty() && o.hmacAccessor()) m.put("token_accessor", h.hash(s));
            if (o.hmacAccessor() && m.get("accessor") instanceof String s && !s.isEmpty()) m.put("accessor", h.hash(s));
        }
        return m;
    }

    private static Map<String, Object> request(AuditEvent ev, AuditHasher h, FormatOptions o) {
        Request r = ev.request();
        AuditAuth a = ev.auth();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        String token = a.clientToken().isEmpty() ? r.clientToken().orElse("") : a.clientToken();
        putIfNotEmpty(m, "client_token", secret(token, h, o, true));
        putIfNotEmpty(m, "client_token_accessor", secret(a.accessor(), h, o, o.hmacAccessor()));
        m.put("operation", r.operation().capability());
        putIfNotEmpty(m, "mount_point", r.mountPoint());
        putIfNotEmpty(m, "mount_type", r.mountType());
        putIfNotEmpty(m, "mount_accessor", r.mountAccessor());
        m.put("namespace", Map.of("id", "root"));
        m.put("path", r.path());
        if (!r.data().isEmpty()) m.put("data", o.logRaw() ? r.data() : h.hashStructure(r.data()));
        String[] addr = splitAddress(r.remoteAddress());
        putIfNotEmpty(m, "remote_address", addr[0]);
        if (!addr[1].isEmpty()) {
            try {
                m.put("remote_port", Integer.parseInt(addr[1]));
            } catch (NumberFormatException ignored) {
                // not a port: leave it out
            }
        }
        return m;
    }

    private static String secret(String value, AuditHasher h, FormatOptions o, boolean hmac) {
        if (value.isEmpty()) return value;
        return o.logRaw() || !hmac ? value : h.hashRepeated(value);
    }

    /** {@code 1.2.3.4:5678} / {@code [::1]:5678} → host and port; a bare host has no port. */
    static String[] splitAddress(String a) {
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close > 0) {
                String port = a.length() > close + 2 && a.charAt(close + 1) == ':' ? a.substring(close + 2) : "";
                return new String[] {a.substring(1, close), port};
            }
            return new String[] {a, ""};
        }
        int colon = a.indexOf(':');
        if (colon > 0 && colon == a.lastIndexOf(':')) return new String[] {a.substring(0, colon), a.substring(colon + 1)};
        return new String[] {a, ""};
    }

    private static void putIfNotEmpty(Map<String, Object> m, String k, String v) {
        if (v != null && !v.isEmpty()) m.put(k, v);
    }
}
