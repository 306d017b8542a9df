package dev.keyhaven.core.audit;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
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
    /** The whole-second part of {@code time} (RFC 3339, UTC); nine fraction digits and {@code Z} follow. */
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    /** The formatted whole second of the last entry: entries of one second share it. */
    private record Second(long epochSecond, String text) {}

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    private EntryFormatter() {}

    /** {@code time} as Vault writes it: {@code 2026-01-02T03:04:05.123456789Z} (always nine fraction digits). */
    static String time(Instant t) {
        JsonOut out = new JsonOut(32);
        out.ascii(second(t)).nanos(t.getNano());
        return new String(out.toBytes(), java.nio.charset.StandardCharsets.US_ASCII) + "Z";
    }

    private static void writeTime(JsonOut out, Instant t) {
        out.raw((byte) '"').ascii(second(t)).nanos(t.getNano()).ascii("Z\"");
    }

    /** Per-thread writers: entries are formatted into one and copied out once; fragments use their own. */
    private static final ThreadLocal<JsonOut[]> SCRATCH = ThreadLocal.withInitial(() -> new JsonOut[2]);

    private static JsonOut scratch(int which) {
        JsonOut[] s = SCRATCH.get();
        if (s[which] == null || !s[which].reset()) s[which] = new JsonOut(4096);
        return s[which];
    }

    private static String second(Instant t) {
        Second s = lastSecond;
        if (s.epochSecond() != t.getEpochSecond()) {
            s = new Second(t.getEpochSecond(), SECONDS.format(t));
            lastSecond = s;
        }
        return s.text();
    }

    static byte[] request(AuditEvent ev, KeyhavenException error, AuditHasher hasher, FormatOptions o, Instant now) {
        JsonOut out = head(ev, hasher, o, now, "request");
        if (error != null) out.ascii(",\"error\":").string(errorText(error));
        return out.raw((byte) '}').toBytes();
    }

    /** The serialized auth and request blocks of an event for one format, built once and shared by both entries. */
    private static byte[][] fragments(AuditEvent ev, AuditHasher hasher, FormatOptions o) {
        byte[][] f = ev.fragments(o);
        if (f != null) return f;
        JsonOut out = scratch(1);
        byte[] auth = null;
        if (!ev.auth().isEmpty()) {
            auth(out, ev.auth(), hasher, o);
            auth = out.toBytes();
            out.reset();
        }
        request(out, ev, hasher, o);
        return ev.fragments(o, new byte[][] {auth, out.toBytes()});
    }

    /** The start both entries share: {@code {"time":…,"type":…,"auth":…,"request":…}, in the thread's entry writer. */
    private static JsonOut head(AuditEvent ev, AuditHasher hasher, FormatOptions o, Instant now, String type) {
        byte[][] f = fragments(ev, hasher, o);
        JsonOut out = scratch(0);
        out.ascii("{\"time\":");
        writeTime(out, now);
        out.ascii(",\"type\":\"").ascii(type).raw((byte) '"');
        if (f[0] != null) out.ascii(",\"auth\":").raw(f[0]);
        return out.ascii(",\"request\":").raw(f[1]);
    }

    static byte[] response(AuditEvent ev, Response resp, KeyhavenException error, AuditHasher hasher, FormatOptions o, Instant now) {
        JsonOut out = head(ev, hasher, o, now, "response");
        Request r = ev.request();
        out.ascii(",\"response\":{");
        boolean first = true;
        first = putIfNotEmpty(out, "mount_point", r.mountPoint(), first);
        first = putIfNotEmpty(out, "mount_type", r.mountType(), first);
        first = putIfNotEmpty(out, "mount_accessor", r.mountAccessor(), first);
        if (resp != null) {
            if (resp.auth() != null && !resp.auth().isEmpty()) {
                out.name("auth", first).value(responseAuth(resp.auth(), hasher, o));
                first = false;
            }
            Map<String, Object> data = resp.isRaw() ? resp.raw() : resp.data();
            if (data != null && o.elideListResponses() && r.operation() == dev.keyhaven.core.logical.Operation.LIST) data = elide(data);
            if (data != null && !data.isEmpty()) {
                out.name("data", first);
                if (o.logRaw()) out.value(data);
                else hasher.writeHashed(out, data);
                first = false;
            }
            if (resp.leaseId() != null && !resp.leaseId().isEmpty()) {
                out.name("secret", first).ascii("{\"lease_id\":").string(resp.leaseId()).raw((byte) '}');
                first = false;
            }
            if (!resp.warnings().isEmpty()) {
                out.name("warnings", first).value(List.copyOf(resp.warnings()));
            }
        }
        out.raw((byte) '}');
        if (error != null) out.ascii(",\"error\":").string(errorText(error));
        return out.raw((byte) '}').toBytes();
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

    private static void auth(JsonOut out, AuditAuth a, AuditHasher h, FormatOptions o) {
        out.raw((byte) '{');
        boolean first = true;
        first = putSecret(out, "client_token", a.clientToken(), h, o, true, first);
        first = putSecret(out, "accessor", a.accessor(), h, o, o.hmacAccessor(), first);
        first = putIfNotEmpty(out, "display_name", a.displayName(), first);
        if (!a.policies().isEmpty()) {
            out.name("policies", first).value(a.policies());
            out.name("token_policies", false).value(a.policies());
            first = false;
        }
        if (!a.metadata().isEmpty()) {
            out.name("metadata", first).value(new java.util.TreeMap<>(a.metadata()));
            first = false;
        }
        first = putIfNotEmpty(out, "entity_id", a.entityId(), first);
        putIfNotEmpty(out, "token_type", a.tokenType(), first);
        out.raw((byte) '}');
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

    private static void request(JsonOut out, AuditEvent ev, AuditHasher h, FormatOptions o) {
        Request r = ev.request();
        AuditAuth a = ev.auth();
        out.ascii("{\"id\":").value(r.id());
        String token = a.clientToken().isEmpty() ? r.clientToken().orElse("") : a.clientToken();
        putSecret(out, "client_token", token, h, o, true, false);
        putSecret(out, "client_token_accessor", a.accessor(), h, o, o.hmacAccessor(), false);
        out.name("operation", false).string(r.operation().capability());
        putIfNotEmpty(out, "mount_point", r.mountPoint(), false);
        putIfNotEmpty(out, "mount_type", r.mountType(), false);
        putIfNotEmpty(out, "mount_accessor", r.mountAccessor(), false);
        out.ascii(",\"namespace\":{\"id\":\"root\"}");
        out.name("path", false).value(r.path());
        if (!r.data().isEmpty()) {
            out.name("data", false);
            if (o.logRaw()) out.value(r.data());
            else h.writeHashed(out, r.data());
        }
        String[] addr = splitAddress(r.remoteAddress());
        putIfNotEmpty(out, "remote_address", addr[0], false);
        if (!addr[1].isEmpty()) {
            try {
                int port = Integer.parseInt(addr[1]);
                out.name("remote_port", false).number(port);
            } catch (NumberFormatException ignored) {
                // not a port: leave it out
            }
        }
        out.raw((byte) '}');
    }

    /** A token or accessor (unless empty): its HMAC (remembered per value, already quoted) or, raw, the value. */
    private static boolean putSecret(JsonOut out, String name, String value, AuditHasher h, FormatOptions o, boolean hmac, boolean first) {
        if (value.isEmpty()) return first;
        out.name(name, first);
        if (o.logRaw() || !hmac) out.string(value);
        else out.raw(h.repeated(value));
        return false;
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

    /** Writes the field unless the value is empty; returns whether the object is still empty. */
    private static boolean putIfNotEmpty(JsonOut out, String name, String v, boolean first) {
        if (v == null || v.isEmpty()) return first;
        out.name(name, first).string(v);
        return false;
    }
}
