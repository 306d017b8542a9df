package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.Keyhaven;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.router.MountEntry;
import dev.keyhaven.core.router.Router;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Vault's {@code sys/auth} endpoints: {@code GET sys/auth} (list), {@code POST sys/auth/<path>} with {@code type}
 * (enable; {@code vault auth enable -path=P TYPE}), {@code GET sys/auth/<path>} (read), {@code DELETE sys/auth/<path>}
 * (disable, deleting the method's data). Only the given auth method types can be enabled. Register with
 * {@code core.system().register("auth", new SysAuthEndpoints(core, Set.of("jwt", "oidc", "approle")))}.
 */
public final class SysAuthEndpoints implements Engine {
    private final Keyhaven core;
    private final Set<String> types;

    public SysAuthEndpoints(Keyhaven core, Set<String> enableableTypes) {
        this.core = core;
        this.types = Set.copyOf(enableableTypes);
    }

    @Override
    public List<String> rootPaths() {
        return List.of("auth/*");
    }

    @Override
    public Response handle(Request req) {
        String rel = req.relativePath();
        while (rel.endsWith("/") && !rel.equals("auth/")) rel = rel.substring(0, rel.length() - 1);
        if (rel.equals("auth") || rel.equals("auth/")) {
            if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), rel);
            Map<String, Object> all = new LinkedHashMap<>();
            List<Router.Mount> mounts = new ArrayList<>(core.router().mounts());
            mounts.sort(Comparator.comparing(m -> m.entry().path()));
            for (Router.Mount m : mounts) {
                if (m.entry().isAuth()) all.put(m.entry().path().substring("auth/".length()), describe(m.entry()));
            }
            return Response.of(all);
        }
        String path = rel.substring("auth/".length());
        if (path.endsWith("/tune")) return core.system().tuneMount(req, "auth/" + path.substring(0, path.length() - "/tune".length()));
        if (path.isEmpty()) throw KeyhavenException.badRequest("missing mount path");
        String mountPath = "auth/" + path + "/";
        switch (req.operation()) {
            case READ: {
                MountEntry e = core.router().find(mountPath).map(Router.Mount::entry).filter(MountEntry::isAuth)
                        .orElseThrow(() -> KeyhavenException.badRequest("No auth engine at " + path + "/"));
                return Response.of(describe(e));
            }
            case CREATE:
            case UPDATE: {
                Map<String, Object> d = req.data();
                if (!(d.get("type") instanceof String t) || t.isBlank()) throw KeyhavenException.badRequest("missing required field 'type'");
                String type = t.strip().toLowerCase(Locale.ROOT);
                if (type.equals("token")) throw KeyhavenException.badRequest("token credential backend cannot be instantiated");
                if (!types.contains(type)) {
                    throw KeyhavenException.badRequest("plugin not found in the catalog: " + type.replaceAll("[^a-z0-9_-]", "?") + " (available: "
                            + String.join(", ", types.stream().sorted().toList()) + ")");
                }
                Map<String, String> options = new LinkedHashMap<>();
                if (d.get("options") instanceof Map<?, ?> om) {
                    for (Map.Entry<?, ?> e : om.entrySet()) options.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
                } else if (d.get("options") != null) {
                    throw KeyhavenException.badRequest("'options' must be an object");
                }
                Object desc = d.getOrDefault("description", "");
                core.mount(mountPath, type, String.valueOf(desc), options);
                return Response.empty();
            }
            case DELETE: {
                if (core.router().find(mountPath).filter(m -> m.entry().isAuth()).isEmpty()) return Response.empty();
                if (path.equals("token")) throw KeyhavenException.badRequest("token credential backend cannot be disabled");
                core.unmount(mountPath);
                return Response.empty();
            }
            default:
                throw KeyhavenException.unsupported(req.operation(), rel);
        }
    }

    private static Map<String, Object> describe(MountEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.type());
        m.put("description", e.description());
        m.put("accessor", e.accessor());
        m.put("uuid", e.uuid());
        m.put("config", Response.map("default_lease_ttl", 0, "max_lease_ttl", 0, "force_no_cache", false, "token_type", "default-service"));
        m.put("options", e.options().isEmpty() ? null : new LinkedHashMap<>(e.options()));
        m.put("local", false);
        m.put("seal_wrap", false);
        m.put("external_entropy_access", false);
        m.put("plugin_version", "");
        m.put("running_plugin_version", "");
        return m;
    }
}
