package dev.keyhaven.core.engine.sys;

import dev.keyhaven.core.Keyhaven;
import dev.keyhaven.core.barrier.AesGcmBarrier;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.router.MountEntry;
import dev.keyhaven.core.router.Router;
import dev.keyhaven.core.seal.SealConfig;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@code sys/} mount: a composite that dispatches a relative path to the handler registered for the longest
 * matching prefix. A prefix {@code p} matches {@code p} itself and {@code p/...}; a prefix ending in {@code *}
 * matches any path starting with what precedes the star. Handlers see the request unchanged (relative path still
 * relative to {@code sys/}).
 *
 * <p>Built in: {@code health}, {@code seal-status}, {@code init}, {@code unseal}, {@code seal}, {@code rotate},
 * {@code key-status}, {@code mounts}, {@code internal/ui/mounts}. Other components add theirs with
 * {@link #register} (e.g. {@code policy}, {@code policies/acl}, {@code capabilities*}).
 */
public final class SystemBackend implements Engine {
    private record Handler(String prefix, Engine engine) {}

    private final Keyhaven core;
    private final List<Handler> handlers = new CopyOnWriteArrayList<>();

    public SystemBackend(Keyhaven core) {
        this.core = core;
        register("health", fn(this::health));
        register("seal-status", fn(r -> sealStatusResponse()));
        register("init", fn(this::init));
        register("unseal", fn(this::unseal));
        register("seal", fn(this::seal));
        register("rotate", fn(this::rotate));
        register("key-status", fn(this::keyStatus));
        register("mounts", fn(this::mounts));
        register("internal/ui/mounts", fn(this::uiMounts));
        register("leader", fn(this::leader));
    }

    /** Adds (or replaces) the handler for {@code prefix}. */
    public void register(String prefix, Engine handler) {
        handlers.removeIf(h -> h.prefix().equals(prefix));
        handlers.add(new Handler(prefix, handler));
        handlers.sort(Comparator.comparingInt((Handler h) -> h.prefix().length()).reversed());
    }

    private interface Fn {
        Response apply(Request r);
    }

    private static Engine fn(Fn f) {
        return f::apply;
    }

    private Optional<Handler> find(String rel) {
        for (Handler h : handlers) {
            String p = h.prefix();
            if (p.endsWith("*") ? rel.startsWith(p.substring(0, p.length() - 1)) : rel.equals(p) || rel.startsWith(p + "/")) return Optional.of(h);
        }
        return Optional.empty();
    }

    @Override
    public Response handle(Request req) {
        String rel = req.relativePath();
        Handler h = find(rel).orElseThrow(() -> new KeyhavenException(dev.keyhaven.core.logical.ErrorCode.NOT_FOUND, "1 error occurred:\n\t* unsupported path\n\n"));
        return h.engine().handle(req);
    }

    @Override
    public List<String> unauthenticatedPaths() {
        List<String> out = new ArrayList<>(List.of("health", "seal-status", "init", "unseal", "leader",
                "internal/ui/mounts", "internal/ui/mounts/*"));
        for (Handler h : handlers) out.addAll(h.engine().unauthenticatedPaths());
        return out;
    }

    @Override
    public List<String> rootPaths() {
        List<String> out = new ArrayList<>(List.of("seal", "rotate", "mounts/*"));
        for (Handler h : handlers) out.addAll(h.engine().rootPaths());
        return out;
    }

    @Override
    public Optional<Boolean> exists(Request req) {
        return find(req.relativePath()).flatMap(h -> h.engine().exists(req));
    }

    // ------------------------------------------------------------------ health

    private static final List<String> HEALTH_CODES = List.of("activecode", "standbycode", "drsecondarycode", "performancestandbycode",
            "sealedcode", "uninitcode", "removedcode", "haunhealthycode");

    private Response health(Request req) {
        if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), req.relativePath());
        Map<String, Integer> codes = new LinkedHashMap<>();
        for (String name : HEALTH_CODES) {
            Optional<String> v = req.queryParam(name);
            if (v.isPresent()) {
                try {
                    int code = Integer.parseInt(v.get().trim());
                    if (code < 100 || code > 599) throw new NumberFormatException();
                    codes.put(name, code);
                } catch (NumberFormatException e) {
                    throw KeyhavenException.badRequest("invalid value for \"" + name + "\": must be an HTTP status code (100-599)");
                }
            }
        }
        for (String b : List.of("standbyok", "perfstandbyok")) {
            Optional<String> v = req.queryParam(b);
            if (v.isPresent() && parseBool(v.get()).isEmpty()) throw KeyhavenException.badRequest("invalid value for \"" + b + "\": must be a boolean");
        }
        boolean initialized = core.isInitialized();
        boolean sealed = core.isSealed();
        int status;
        if (!initialized) status = codes.getOrDefault("uninitcode", 501);
        else if (sealed) status = codes.getOrDefault("sealedcode", 503);
        else status = codes.getOrDefault("activecode", 200);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("initialized", initialized);
        body.put("sealed", sealed);
        body.put("standby", false);
        body.put("performance_standby", false);
        body.put("replication_performance_mode", "disabled");
        body.put("replication_dr_mode", "disabled");
        body.put("server_time_utc", core.clock().instant().getEpochSecond());
        body.put("version", Keyhaven.VERSION);
        body.put("enterprise", false);
        if (!core.clusterName().isEmpty()) body.put("cluster_name", core.clusterName());
        if (!sealed && !core.clusterId().isEmpty()) body.put("cluster_id", core.clusterId());
        body.put("echo_duration_ms", 0);
        body.put("clock_skew_ms", 0);
        body.put("replication_primary_canary_age_ms", 0);
        body.put("removed_from_cluster", false);
        return Response.raw(status, body);
    }

    private static Optional<Boolean> parseBool(String s) {
        switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "": case "1": case "t": case "true": return Optional.of(true);
            case "0": case "f": case "false": return Optional.of(false);
            default: return Optional.empty();
        }
    }

    /** A single node without HA: Vault's answer for a server with HA disabled. */
    private Response leader(Request req) {
        if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), "leader");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ha_enabled", false);
        body.put("is_self", false);
        body.put("active_time", "0001-01-01T00:00:00Z");
        body.put("leader_address", "");
        body.put("leader_cluster_address", "");
        body.put("performance_standby", false);
        body.put("performance_standby_last_remote_wal", 0);
        return Response.raw(200, body);
    }

    // ------------------------------------------------------------------ seal

    /** Vault's seal-status body. */
    public Map<String, Object> sealStatus() {
        Optional<SealConfig> cfg = core.sealConfig();
        boolean sealed = core.isSealed();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", cfg.map(SealConfig::type).orElse("shamir"));
        body.put("initialized", cfg.isPresent());
        body.put("sealed", sealed);
        body.put("t", cfg.map(SealConfig::threshold).orElse(0));
        body.put("n", cfg.map(SealConfig::shares).orElse(0));
        body.put("progress", core.unsealProgress());
        body.put("nonce", core.unsealNonce());
        body.put("version", Keyhaven.VERSION);
        body.put("build_date", "");
        body.put("migration", false);
        if (!sealed) {
            body.put("cluster_name", core.clusterName());
            body.put("cluster_id", core.clusterId());
        }
        body.put("recovery_seal", false);
        body.put("storage_type", core.storageType());
        body.put("removed_from_cluster", false);
        return body;
    }

    private Response sealStatusResponse() {
        return Response.raw(200, sealStatus());
    }

    private Response init(Request req) {
        if (req.operation() == Operation.READ) return Response.raw(200, Response.map("initialized", core.isInitialized()));
        if (req.operation() != Operation.UPDATE && req.operation() != Operation.CREATE) throw KeyhavenException.unsupported(req.operation(), "init");
        Map<String, Object> d = req.data();
        for (String unsupported : List.of("pgp_keys", "root_token_pgp_key", "recovery_pgp_keys")) {
            Object v = d.get(unsupported);
            if (v != null && !(v instanceof List<?> l && l.isEmpty()) && !"".equals(v)) {
                throw KeyhavenException.badRequest(unsupported + " is not supported by Keyhaven");
            }
        }
        if (d.get("stored_shares") instanceof Number n && n.intValue() != 0) throw KeyhavenException.badRequest("stored_shares is not supported by Keyhaven (use a seal \"file\" stanza for auto-unseal)");
        int shares = intField(d, "secret_shares");
        int threshold = intField(d, "secret_threshold");
        Keyhaven.InitResult result = core.initialize(shares, threshold, Optional.empty());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("keys", result.keysHex());
        body.put("keys_base64", result.keysBase64());
        body.put("root_token", result.rootToken());
        return Response.raw(200, body);
    }

    private static int intField(Map<String, Object> d, String name) {
        Object v = d.get(name);
        if (v == null) throw KeyhavenException.badRequest("missing required field '" + name + "'");
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e6) return n.intValue();
        if (v instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException ignored) {
                // fall through
            }
        }
        throw KeyhavenException.badRequest("'" + name + "' must be an integer");
    }

    private Response unseal(Request req) {
        if (req.operation() != Operation.UPDATE && req.operation() != Operation.CREATE) throw KeyhavenException.unsupported(req.operation(), "unseal");
        Map<String, Object> d = req.data();
        Object reset = d.get("reset");
        if (reset != null && !(reset instanceof Boolean)) throw KeyhavenException.badRequest("'reset' must be a boolean");
        if (Boolean.TRUE.equals(reset)) {
            core.resetUnsealProgress();
            return sealStatusResponse();
        }
        if (Boolean.TRUE.equals(d.get("migrate"))) throw KeyhavenException.badRequest("seal migration is not supported by Keyhaven");
        Object key = d.get("key");
        if (key == null || "".equals(key)) throw KeyhavenException.badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
        if (!(key instanceof String ks)) throw KeyhavenException.badRequest("'key' must be a string");
        if (!core.isInitialized()) throw KeyhavenException.badRequest("Keyhaven is not initialized");
        core.submitUnsealShare(decodeKey(ks));
        return sealStatusResponse();
    }

    /** Hex first (Vault's order), then standard or URL-safe base64. */
    static byte[] decodeKey(String s) {
        String k = s.trim();
        if (k.length() % 2 == 0 && k.chars().allMatch(c -> Character.digit(c, 16) >= 0)) return HexFormat.of().parseHex(k);
        try {
            return Base64.getDecoder().decode(k);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getUrlDecoder().decode(k);
            } catch (IllegalArgumentException e2) {
                throw KeyhavenException.badRequest("'key' must be a valid hex or base64 string");
            }
        }
    }

    private Response seal(Request req) {
        if (req.operation() != Operation.UPDATE && req.operation() != Operation.CREATE) throw KeyhavenException.unsupported(req.operation(), "seal");
        return Response.empty(); // the core seals once this request has left the state lock
    }

    // ------------------------------------------------------------------ keys

    private Response rotate(Request req) {
        if (req.operation() != Operation.UPDATE && req.operation() != Operation.CREATE) throw KeyhavenException.unsupported(req.operation(), "rotate");
        core.rotate();
        return Response.empty();
    }

    private Response keyStatus(Request req) {
        if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), "key-status");
        AesGcmBarrier.KeyStatus ks = core.barrier().keyStatus();
        return Response.of(Response.map("term", ks.term(), "install_time", ks.installTime().toString(), "encryptions", ks.encryptions()));
    }

    // ------------------------------------------------------------------ mounts

    private Response mounts(Request req) {
        String rel = req.relativePath();
        if (rel.equals("mounts")) {
            if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), rel);
            Map<String, Object> all = new LinkedHashMap<>();
            List<Router.Mount> mounts = new ArrayList<>(core.router().mounts());
            mounts.sort(Comparator.comparing(m -> m.entry().path()));
            for (Router.Mount m : mounts) if (!m.entry().isAuth()) all.put(m.entry().path(), describe(m.entry()));
            return Response.of(all);
        }
        String path = rel.substring("mounts/".length());
        if (path.endsWith("/tune") || path.equals("tune")) return tune(req, path.substring(0, Math.max(0, path.length() - "/tune".length())));
        switch (req.operation()) {
            case READ: {
                String mp = path.endsWith("/") ? path : path + "/";
                MountEntry e = core.router().find(mp).map(Router.Mount::entry).orElseThrow(() -> KeyhavenException.badRequest("no mount at \"" + mp + "\""));
                return Response.of(describe(e));
            }
            case CREATE:
            case UPDATE: {
                Map<String, Object> d = req.data();
                Object type = d.get("type");
                if (!(type instanceof String t) || t.isBlank()) throw KeyhavenException.badRequest("missing required field 'type'");
                Object desc = d.getOrDefault("description", "");
                Map<String, String> options = new LinkedHashMap<>();
                if (d.get("options") instanceof Map<?, ?> om) {
                    for (Map.Entry<?, ?> e : om.entrySet()) options.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
                } else if (d.get("options") != null) {
                    throw KeyhavenException.badRequest("'options' must be an object");
                }
                core.mount(path, t, String.valueOf(desc), options);
                return Response.empty();
            }
            case DELETE:
                core.unmount(path);
                return Response.empty();
            default:
                throw KeyhavenException.unsupported(req.operation(), rel);
        }
    }

    /** Vault's system default for both lease TTLs (768h), reported when a mount is not tuned. */
    static final long SYSTEM_DEFAULT_TTL = 768L * 3600;

    /** {@code sys/mounts/:path/tune} (and, through {@link #tuneMount}, {@code sys/auth/:path/tune}). */
    private Response tune(Request req, String mountPath) {
        return tuneMount(req, mountPath);
    }

    /** Read or change a mount's tunable settings, in Vault's wire format. */
    public Response tuneMount(Request req, String mountPath) {
        String mp = mountPath.endsWith("/") ? mountPath : mountPath + "/";
        MountEntry e = core.router().find(mp).map(Router.Mount::entry)
                .orElseThrow(() -> KeyhavenException.badRequest("cannot fetch sysview for path \"" + mp + "\""));
        switch (req.operation()) {
            case READ: {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("default_lease_ttl", e.defaultLeaseTtl() == 0 ? SYSTEM_DEFAULT_TTL : e.defaultLeaseTtl());
                d.put("max_lease_ttl", e.maxLeaseTtl() == 0 ? SYSTEM_DEFAULT_TTL : e.maxLeaseTtl());
                d.put("force_no_cache", false);
                d.put("description", e.description());
                if (!e.listingVisibility().isEmpty()) d.put("listing_visibility", e.listingVisibility());
                if (!e.options().isEmpty()) d.put("options", new LinkedHashMap<>(e.options()));
                return Response.of(d);
            }
            case CREATE:
            case UPDATE: {
                Map<String, Object> data = req.data();
                Map<String, Object> tune = new LinkedHashMap<>(e.tune());
                for (String k : data.keySet()) {
                    if (!java.util.Set.of("default_lease_ttl", "max_lease_ttl", "description", "listing_visibility", "options").contains(k)) {
                        throw KeyhavenException.badRequest("unsupported tune parameter \"" + k + "\" (supported: default_lease_ttl, max_lease_ttl, description, listing_visibility, options)");
                    }
                }
                for (String k : List.of("default_lease_ttl", "max_lease_ttl")) {
                    if (data.containsKey(k)) tune.put(k, ttlSeconds(k, data.get(k)));
                }
                long def = tune.get("default_lease_ttl") instanceof Number n ? n.longValue() : 0;
                long max = tune.get("max_lease_ttl") instanceof Number n ? n.longValue() : 0;
                if (def != 0 && max != 0 && def > max) throw KeyhavenException.badRequest("backend max lease TTL of " + max + " would be less than backend default lease TTL of " + def);
                if (data.containsKey("listing_visibility")) {
                    Object v = data.get("listing_visibility");
                    if (!(v instanceof String s) || !(s.isEmpty() || s.equals("hidden") || s.equals("unauth"))) {
                        throw KeyhavenException.badRequest("listing_visibility must be \"\", \"hidden\" or \"unauth\"");
                    }
                    tune.put("listing_visibility", v);
                }
                if (data.get("options") != null) {
                    if (!(data.get("options") instanceof Map<?, ?> om)) throw KeyhavenException.badRequest("'options' must be an object");
                    for (Map.Entry<?, ?> o : om.entrySet()) {
                        String cur = e.options().get(String.valueOf(o.getKey()));
                        if (!String.valueOf(o.getValue()).equals(cur)) {
                            throw KeyhavenException.badRequest("changing option \"" + o.getKey() + "\" of a mount is not supported; mount a new engine instead");
                        }
                    }
                }
                Object desc = data.get("description");
                if (desc != null && !(desc instanceof String)) throw KeyhavenException.badRequest("'description' must be a string");
                core.tune(mp, (String) desc, tune);
                return Response.empty();
            }
            default:
                throw KeyhavenException.unsupported(req.operation(), req.relativePath());
        }
    }

    private static long ttlSeconds(String key, Object v) {
        if ("system".equals(v)) return 0;
        return dev.keyhaven.core.auth.Durations.parseNonNegative(key, v).getSeconds();
    }

    private static Map<String, Object> describe(MountEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.type());
        m.put("description", e.description());
        m.put("accessor", e.accessor());
        m.put("uuid", e.uuid());
        m.put("config", Response.map("default_lease_ttl", e.defaultLeaseTtl(), "max_lease_ttl", e.maxLeaseTtl(), "force_no_cache", false));
        m.put("options", e.options().isEmpty() ? null : new LinkedHashMap<>(e.options()));
        m.put("local", false);
        m.put("seal_wrap", false);
        m.put("external_entropy_access", false);
        m.put("plugin_version", "");
        m.put("running_plugin_version", "");
        return m;
    }

    /** The KV preflight of the vault CLI and Vault Agent: which mount serves a path, and its options. */
    /** Vault's visible-mount listing: only the mounts the caller's token can use (nothing for an anonymous caller). */
    private Response uiMountsList(Request req) {
        Map<String, Object> secret = new java.util.TreeMap<>();
        Map<String, Object> auth = new java.util.TreeMap<>();
        for (Router.Mount m : core.router().mounts()) {
            MountEntry e = m.entry();
            if (m.engine() == this || !core.hasMountAccess(req, e.path())) continue;
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("description", e.description());
            d.put("options", e.options().isEmpty() ? null : e.options());
            d.put("type", e.type());
            if (e.isAuth()) auth.put(e.path().substring("auth/".length()), d);
            else secret.put(e.path(), d);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("auth", auth);
        data.put("secret", secret);
        return Response.of(data);
    }

    private Response uiMounts(Request req) {
        if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), req.relativePath());
        String rel = req.relativePath();
        if (rel.equals("internal/ui/mounts")) return uiMountsList(req);
        String path = rel.substring("internal/ui/mounts/".length());
        Router.Route route = core.router().route(path).filter(r -> r.mount().engine() != this)
                .orElseThrow(() -> KeyhavenException.badRequest("no mount found for path \"" + path + "\""));
        // Unauthenticated path (as in Vault): any token with some capability inside the mount may ask.
        if (!core.hasMountAccess(req, route.mount().entry().path())) {
            throw new KeyhavenException(ErrorCode.PERMISSION_DENIED, "preflight capability check returned 403, please ensure client's policies grant access to path \"" + path + "\"");
        }
        Map<String, Object> d = describe(route.mount().entry());
        d.put("path", route.mount().entry().path());
        return Response.of(d);
    }

    @Override
    public String toString() {
        return "SystemBackend" + handlers.stream().map(Handler::prefix).toList();
    }
}
