package dev.keyhaven.core.auth.policy;

import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The policy part of the system backend: {@code sys/policy}, {@code sys/policies/acl}, {@code sys/capabilities},
 * {@code sys/capabilities-self} and {@code sys/capabilities-accessor}. Registered in the system backend for the
 * relative prefixes in {@link #PREFIXES}; it reads {@link Request#relativePath()} (e.g. {@code policy/dev},
 * {@code policies/acl/dev}, {@code capabilities-self}). None of these paths needs sudo in Vault.
 */
public final class PolicyEndpoints implements Engine {
    /** Relative path prefixes (under {@code sys/}) this handler serves: each exact, or followed by {@code /...}. */
    public static final List<String> PREFIXES = List.of("policy", "policies/acl", "capabilities", "capabilities-self", "capabilities-accessor");

    private final DefaultAuthService auth;

    public PolicyEndpoints(DefaultAuthService auth) {
        this.auth = auth;
    }

    /** Whether this handler serves {@code relativePath} (relative to {@code sys/}). */
    public static boolean handles(String relativePath) {
        for (String p : PREFIXES) if (relativePath.equals(p) || relativePath.startsWith(p + "/")) return true;
        return false;
    }

    @Override
    public Response handle(Request request) {
        String path = request.relativePath();
        Operation op = request.operation();
        if (path.equals("capabilities") || path.equals("capabilities-self") || path.equals("capabilities-accessor")) {
            if (op != Operation.UPDATE && op != Operation.CREATE) throw KeyhavenException.unsupported(op, path);
            return capabilities(request, path);
        }
        boolean legacy = path.equals("policy") || path.startsWith("policy/");
        String base = legacy ? "policy" : "policies/acl";
        if (!legacy && !path.equals("policies/acl") && !path.startsWith("policies/acl/")) throw KeyhavenException.notFound();
        String name = path.length() > base.length() ? path.substring(base.length() + 1) : "";
        if (name.isEmpty()) {
            if (op == Operation.LIST || (legacy && op == Operation.READ)) return list(legacy);
            throw KeyhavenException.unsupported(op, path);
        }
        PolicyStore store = auth.policyStore();
        switch (op) {
            case READ: {
                String n = PolicyStore.normalize(name);
                Policy p = store.get(n).orElseThrow(KeyhavenException::notFound);
                return Response.of(Response.map("name", p.name(), legacy ? "rules" : "policy", p.raw()));
            }
            case CREATE:
            case UPDATE: {
                Fields f = new Fields(request.data(), legacy ? Set.of("name", "policy", "rules") : Set.of("name", "policy"));
                String raw = f.string("policy").orElse("");
                if (raw.isEmpty() && legacy) raw = f.string("rules").orElse("");
                if (raw.isEmpty()) throw KeyhavenException.badRequest("'policy' parameter not supplied or empty");
                raw = maybeBase64(raw);
                store.put(name, raw);
                Response r = Response.empty();
                f.unknownFieldsWarning().ifPresent(r::warning);
                return r;
            }
            case DELETE:
                store.delete(name);
                return Response.empty();
            default:
                throw KeyhavenException.unsupported(op, path);
        }
    }

    private Response list(boolean legacy) {
        List<String> keys = new ArrayList<>(auth.policyStore().list());
        keys.add(PolicyStore.ROOT);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("keys", keys);
        if (legacy) data.put("policies", keys);
        return Response.of(data);
    }

    private Response capabilities(Request request, String path) {
        Fields f = new Fields(request.data(), Set.of("token", "accessor", "path", "paths"));
        List<String> paths = f.stringList("paths").orElse(List.of());
        if (paths.isEmpty()) paths = f.stringList("path").orElse(List.of());
        if (paths.isEmpty()) throw KeyhavenException.badRequest("missing path");
        for (String p : paths) if (p.length() > 1024) throw KeyhavenException.badRequest("path is too long (maximum 1024 characters)");
        Acl acl;
        switch (path) {
            case "capabilities-self" -> acl = auth.aclForRequestToken(request);
            case "capabilities" -> {
                String token = f.string("token").orElse("");
                if (token.isEmpty()) throw KeyhavenException.badRequest("missing token");
                acl = auth.aclForToken(token);
            }
            default -> {
                String accessor = f.string("accessor").orElse("");
                if (accessor.isEmpty()) throw KeyhavenException.badRequest("missing accessor");
                acl = auth.aclForAccessor(accessor);
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        for (String p : paths) {
            String clean = p.startsWith("/") ? p.substring(1) : p;
            data.put(p, acl.capabilities(clean));
        }
        if (paths.size() == 1) data.put("capabilities", data.get(paths.get(0)));
        return Response.of(data);
    }

    /** Vault accepts the policy base64-encoded as well. */
    private static String maybeBase64(String raw) {
        String t = raw.strip();
        if (t.isEmpty() || t.length() % 4 != 0 || !t.matches("[A-Za-z0-9+/]+={0,2}")) return raw;
        try {
            byte[] b = Base64.getDecoder().decode(t);
            String s = new String(b, StandardCharsets.UTF_8);
            if (s.indexOf('\uFFFD') >= 0) return raw;
            return s;
        } catch (IllegalArgumentException e) {
            return raw;
        }
    }
}
