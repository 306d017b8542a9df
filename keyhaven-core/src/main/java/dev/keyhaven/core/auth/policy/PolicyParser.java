package dev.keyhaven.core.auth.policy;

import dev.keyhaven.core.hcl.Hcl;
import dev.keyhaven.core.hcl.HclBody;
import dev.keyhaven.core.hcl.HclException;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses Vault ACL policies written in HCL or JSON into {@link Policy}. Errors are 400s starting with
 * {@code failed to parse policy: } (with line and column for syntax errors).
 *
 * <p>Supported per path: {@code capabilities}, the legacy {@code policy} (deny/read/write/sudo),
 * {@code allowed_parameters}, {@code denied_parameters}, {@code required_parameters}, {@code comment}.
 * Rejected with a clear error rather than silently ignored, because ignoring them would weaken the policy:
 * {@code min_wrapping_ttl}/{@code max_wrapping_ttl} (response wrapping is not implemented), {@code mfa_methods},
 * {@code control_group}.
 */
public final class PolicyParser {
    /** Largest policy text accepted. */
    public static final int MAX_POLICY_BYTES = 256 * 1024;

    private static final Set<String> PATH_KEYS = Set.of("capabilities", "policy", "allowed_parameters", "denied_parameters",
            "required_parameters", "comment", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods", "control_group",
            "subscribe_event_types");

    private PolicyParser() {}

    public static Policy parse(String name, String text) {
        if (text == null || text.isBlank()) throw KeyhavenException.badRequest("'policy' parameter not supplied or empty");
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_POLICY_BYTES) {
            throw KeyhavenException.badRequest("failed to parse policy: policy text is larger than " + MAX_POLICY_BYTES + " bytes");
        }
        List<Map.Entry<String, Object>> stanzas = new ArrayList<>();
        String trimmed = text.stripLeading();
        if (trimmed.startsWith("{")) {
            Map<String, Object> doc;
            try {
                doc = Json.parseObject(text.getBytes(StandardCharsets.UTF_8));
            } catch (KeyhavenException e) {
                throw fail(e.getMessage());
            }
            for (String k : doc.keySet()) if (!k.equals("name") && !k.equals("path")) throw fail("invalid key '" + printable(k) + "'");
            collectJsonPaths(doc.get("path"), stanzas);
        } else {
            HclBody body;
            try {
                body = Hcl.parse(text);
            } catch (HclException e) {
                throw fail(e.getMessage());
            }
            for (Hcl.Attribute a : body.attributes()) {
                if (a.name().equals("name")) continue;
                if (a.name().equals("path") && a.value() instanceof HclBody pb) {
                    for (Map.Entry<String, Object> e : pb.toMap().entrySet()) stanzas.add(Map.entry(e.getKey(), e.getValue()));
                    continue;
                }
                throw fail("line " + a.line() + ", column " + a.column() + ": invalid key '" + printable(a.name()) + "'");
            }
            for (Hcl.Block b : body.blocks()) {
                if (!b.type().equals("path")) throw fail("line " + b.line() + ", column " + b.column() + ": invalid key '" + printable(b.type()) + "'");
                if (b.labels().size() != 1) throw fail("line " + b.line() + ", column " + b.column() + ": a path block needs exactly one label, e.g. path \"secret/*\" { ... }");
                stanzas.add(Map.entry(b.labels().get(0), b.body().toMap()));
            }
        }
        List<PathRules> rules = new ArrayList<>();
        for (Map.Entry<String, Object> s : stanzas) {
            if (!(s.getValue() instanceof Map<?, ?> m)) throw fail("path \"" + printable(s.getKey()) + "\": expected an object");
            PathRules r = pathRules(s.getKey(), cast(m));
            if (r != null) rules.add(r);
        }
        return new Policy(name, text, rules);
    }

    private static void collectJsonPaths(Object v, List<Map.Entry<String, Object>> out) {
        if (v == null) return;
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) out.add(Map.entry((String) e.getKey(), e.getValue() == null ? Map.of() : e.getValue()));
        } else if (v instanceof List<?> l) {
            for (Object o : l) collectJsonPaths(o, out);
        } else {
            throw fail("'path' must be an object of path → rules");
        }
    }

    private static PathRules pathRules(String rawPath, Map<String, Object> body) {
        String shown = printable(rawPath);
        for (String k : body.keySet()) {
            if (!PATH_KEYS.contains(k)) throw fail("path \"" + shown + "\": invalid key '" + printable(k) + "'");
        }
        for (String unsupported : List.of("min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods", "control_group")) {
            if (body.containsKey(unsupported)) {
                throw fail("path \"" + shown + "\": '" + unsupported + "' is not supported by this server (response wrapping, MFA and control groups are not implemented); remove it");
            }
        }
        if (body.containsKey("subscribe_event_types")) throw fail("path \"" + shown + "\": 'subscribe_event_types' is not supported by this server");
        String path = rawPath;
        if (path.startsWith("/")) path = path.substring(1);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) throw fail("path \"" + shown + "\": control characters are not allowed");
        }
        String base = path.endsWith("*") ? path.substring(0, path.length() - 1) : path;
        if (base.contains("+*")) throw fail("path \"" + shown + "\": invalid use of wildcards ('+*' is forbidden)");
        // Templated paths ({{identity.entity.id}} ...) need an identity system; like Vault for a token without an
        // entity, such stanzas never match anything, so they are dropped here.
        if (path.contains("{{")) return null;

        List<String> caps = new ArrayList<>();
        Object policy = body.get("policy");
        if (policy != null) {
            if (!(policy instanceof String p)) throw fail("path \"" + shown + "\": 'policy' must be a string");
            switch (p) {
                case "deny" -> caps.add("deny");
                case "read" -> caps.addAll(List.of("read", "list"));
                case "write" -> caps.addAll(List.of("create", "read", "update", "delete", "list"));
                case "sudo" -> caps.addAll(List.of("create", "read", "update", "delete", "list", "sudo"));
                default -> throw fail("path \"" + shown + "\": invalid policy \"" + printable(p) + "\"");
            }
        }
        Object c = body.get("capabilities");
        if (c != null) {
            if (!(c instanceof List<?> l)) throw fail("path \"" + shown + "\": 'capabilities' must be a list of strings");
            for (Object o : l) {
                if (!(o instanceof String s)) throw fail("path \"" + shown + "\": 'capabilities' must be a list of strings");
                caps.add(s);
            }
        }
        int bits = 0;
        for (String s : caps) {
            Capability cap = Capability.byName(s).orElseThrow(() -> fail("path \"" + shown + "\": invalid capability \"" + printable(s) + "\""));
            if (cap == Capability.DENY) {
                bits = Capability.DENY.bit();
                break;
            }
            bits |= cap.bit();
        }
        Map<String, List<Object>> allowed = params(shown, "allowed_parameters", body.get("allowed_parameters"));
        Map<String, List<Object>> denied = params(shown, "denied_parameters", body.get("denied_parameters"));
        List<String> required = new ArrayList<>();
        Object req = body.get("required_parameters");
        if (req != null) {
            if (!(req instanceof List<?> l)) throw fail("path \"" + shown + "\": 'required_parameters' must be a list of strings");
            for (Object o : l) {
                if (!(o instanceof String s)) throw fail("path \"" + shown + "\": 'required_parameters' must be a list of strings");
                required.add(s.toLowerCase(Locale.ROOT));
            }
        }
        if (bits == Capability.DENY.bit()) {
            allowed = null;
            denied = null;
            required = List.of();
        }
        return new PathRules(path, bits, allowed, denied, required);
    }

    private static Map<String, List<Object>> params(String shown, String key, Object v) {
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw fail("path \"" + shown + "\": '" + key + "' must be an object of parameter → list of values");
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object val = e.getValue();
            List<Object> values = new ArrayList<>();
            if (val instanceof List<?> l) {
                for (Object o : l) values.add(o instanceof HclBody hb ? hb.toMap() : o);
            } else if (val != null) {
                throw fail("path \"" + shown + "\": '" + key + "' values must be lists (use [] to allow any value)");
            }
            String name = ((String) e.getKey()).toLowerCase(Locale.ROOT);
            List<Object> prev = out.get(name);
            if (prev != null) {
                List<Object> merged = new ArrayList<>(prev);
                merged.addAll(values);
                values = prev.isEmpty() || values.isEmpty() ? List.of() : merged;
            }
            out.put(name, values);
        }
        return out;
    }

    private static KeyhavenException fail(String msg) {
        String m = msg.startsWith("failed to parse JSON input: ") ? msg.substring("failed to parse JSON input: ".length()) : msg;
        return KeyhavenException.badRequest("failed to parse policy: " + m);
    }

    private static String printable(String s) {
        String t = s.length() > 128 ? s.substring(0, 128) + "…" : s;
        StringBuilder sb = new StringBuilder(t.length());
        for (char ch : t.toCharArray()) sb.append(ch < 0x20 || ch == 0x7f ? '?' : ch);
        return sb.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
