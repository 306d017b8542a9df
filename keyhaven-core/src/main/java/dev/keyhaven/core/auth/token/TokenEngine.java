package dev.keyhaven.core.auth.token;

import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The token auth method, mounted at {@code auth/token/}: create (+ create-orphan, create/:role), lookup,
 * lookup-self, lookup-accessor, renew, renew-self, renew-accessor, revoke, revoke-self, revoke-accessor,
 * revoke-orphan, roles, accessors. Every request reaching it has been authorized by {@link DefaultAuthService},
 * which attached the caller's {@link TokenEntry}.
 */
public final class TokenEngine implements Engine {
    private static final Set<String> CREATE_FIELDS = Set.of("id", "role_name", "policies", "meta", "no_parent", "no_default_policy", "lease",
            "ttl", "renewable", "explicit_max_ttl", "display_name", "num_uses", "period", "type", "entity_alias");
    private static final Set<String> ROLE_FIELDS = Set.of("role_name", "allowed_policies", "disallowed_policies", "allowed_policies_glob",
            "disallowed_policies_glob", "allowed_entity_aliases", "orphan", "renewable", "path_suffix", "explicit_max_ttl",
            "token_explicit_max_ttl", "period", "token_period", "token_type", "token_no_default_policy", "token_num_uses",
            "bound_cidrs", "token_bound_cidrs", "token_ttl", "token_max_ttl", "token_policies", "token_strictly_bind_ip");

    private final DefaultAuthService auth;

    public TokenEngine(DefaultAuthService auth) {
        this.auth = auth;
    }

    @Override
    public List<String> rootPaths() {
        return List.of("revoke-orphan", "revoke-orphan/*", "accessors", "accessors/*");
    }

    @Override
    public Optional<Boolean> exists(Request request) {
        String p = request.relativePath();
        if (p.startsWith("roles/") && p.length() > "roles/".length()) {
            String name = p.substring("roles/".length()).toLowerCase(Locale.ROOT);
            try {
                Fields.segmentName("role", name);
            } catch (KeyhavenException e) {
                return Optional.empty();
            }
            return Optional.of(auth.tokenStore().role(name).isPresent());
        }
        return Optional.empty();
    }

    @Override
    public Response handle(Request request) {
        String path = request.relativePath();
        while (path.endsWith("/") && path.length() > 1 && !path.equals("roles/") && !path.equals("accessors/")) path = path.substring(0, path.length() - 1);
        Operation op = request.operation();
        boolean write = op == Operation.CREATE || op == Operation.UPDATE;
        switch (path) {
            case "create": requireWrite(write, op, path); return create(request, false, null);
            case "create-orphan": requireWrite(write, op, path); return create(request, true, null);
            case "lookup":
                if (op == Operation.READ) return lookupSelf(request);
                requireWrite(write, op, path);
                return lookup(request);
            case "lookup-self":
                if (op != Operation.READ && !write) throw KeyhavenException.unsupported(op, path);
                return lookupSelf(request);
            case "lookup-accessor": requireWrite(write, op, path); return lookupAccessor(request);
            case "renew": requireWrite(write, op, path); return renew(request, "token");
            case "renew-self": requireWrite(write, op, path); return renew(request, "self");
            case "renew-accessor": requireWrite(write, op, path); return renew(request, "accessor");
            case "revoke": requireWrite(write, op, path); return revoke(request);
            case "revoke-self": requireWrite(write, op, path); return revokeSelf(request);
            case "revoke-accessor": requireWrite(write, op, path); return revokeAccessor(request);
            case "revoke-orphan": requireWrite(write, op, path); return revokeOrphan(request);
            case "roles", "roles/":
                if (op != Operation.LIST) throw KeyhavenException.unsupported(op, path);
                return listResponse(auth.tokenStore().roles());
            case "accessors", "accessors/":
                if (op != Operation.LIST) throw KeyhavenException.unsupported(op, path);
                return listResponse(auth.tokenStore().accessors());
            default:
                break;
        }
        if (path.startsWith("create/")) {
            requireWrite(write, op, path);
            String roleName = roleName(path.substring("create/".length()));
            TokenRole role = auth.tokenStore().role(roleName).orElseThrow(() -> KeyhavenException.badRequest("unknown role " + roleName));
            return create(request, false, role);
        }
        if (path.startsWith("roles/")) return roleRequest(request, roleName(path.substring("roles/".length())));
        throw new KeyhavenException(ErrorCode.NOT_FOUND, "unsupported path");
    }

    private static void requireWrite(boolean write, Operation op, String path) {
        if (!write) throw KeyhavenException.unsupported(op, path);
    }

    private static String roleName(String raw) {
        return Fields.segmentName("role", raw.toLowerCase(Locale.ROOT));
    }

    private static Response listResponse(List<String> keys) {
        if (keys.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(Response.map("keys", keys));
    }

    private TokenEntry caller(Request request) {
        return request.auth(TokenEntry.class).orElseThrow(KeyhavenException::permissionDenied);
    }

    // ------------------------------------------------------------------ create

    private Response create(Request request, boolean orphanPath, TokenRole role) {
        TokenStore store = auth.tokenStore();
        TokenEntry parent = caller(request);
        if (parent.numUses() > 0) throw KeyhavenException.badRequest("restricted use token cannot generate child tokens");
        boolean isSudo = auth.hasSudo(parent, request.path());
        Fields f = new Fields(request.data(), CREATE_FIELDS);
        List<String> warnings = new ArrayList<>();
        f.unknownFieldsWarning().ifPresent(warnings::add);

        boolean renewable = f.bool("renewable", true);
        String type = f.string("type", "");
        if (type.equals("batch")) throw KeyhavenException.badRequest("batch tokens are not supported by this server; use service tokens");
        if (!type.isEmpty() && !type.equals("service")) throw KeyhavenException.badRequest("invalid 'token_type' value");
        long numUses = f.integer("num_uses", 0);
        if (numUses < 0) throw KeyhavenException.badRequest("number of uses cannot be negative");

        String path = "auth/token/" + request.relativePath().replaceAll("/+$", "");
        if (role != null) {
            if (renewable && !role.renewable()) renewable = false;
            if (!role.pathSuffix().isEmpty()) path = path + "/" + role.pathSuffix();
        }
        String displayName = "token";
        Optional<String> dn = f.string("display_name");
        if (dn.isPresent() && !dn.get().isEmpty()) {
            String full = ("token-" + dn.get()).replaceAll("[^a-zA-Z0-9-]", "-");
            while (full.endsWith("-")) full = full.substring(0, full.length() - 1);
            displayName = full;
        }
        Optional<String> customId = f.string("id").filter(s -> !s.isEmpty());
        if (customId.isPresent()) {
            if (!isSudo) throw KeyhavenException.badRequest("root or sudo privileges required to specify token id");
            validateCustomId(customId.get());
        }
        Map<String, String> meta = f.stringMap("meta").orElse(Map.of());

        boolean noDefault = f.bool("no_default_policy", false) || (role != null && role.noDefaultPolicy());
        List<String> requested = f.stringList("policies").orElse(List.of());
        for (String p : requested) Fields.segmentName("policy", p.toLowerCase(Locale.ROOT));
        List<String> policies;
        boolean addDefault = false;
        if (role != null && role.restrictsPolicies()) {
            boolean localAddDefault = !noDefault && !role.disallowedPolicies().contains("default") && !globAny(role.disallowedPoliciesGlob(), "default");
            List<String> finalPolicies = requested.isEmpty() ? List.of() : sanitize(requested, localAddDefault);
            if (!role.allowedPolicies().isEmpty() || !role.allowedPoliciesGlob().isEmpty()) {
                List<String> allowed = sanitize(role.allowedPolicies(), localAddDefault);
                if (finalPolicies.isEmpty()) {
                    finalPolicies = role.allowedPolicies().isEmpty() ? sanitize(List.of(), localAddDefault) : allowed;
                } else {
                    for (String p : finalPolicies) {
                        if (!allowed.contains(p) && !globAny(role.allowedPoliciesGlob(), p)) {
                            throw KeyhavenException.badRequest("token policies (" + finalPolicies + ") must be subset of the role's allowed policies (" + allowed + ")");
                        }
                    }
                }
            } else if (finalPolicies.isEmpty()) {
                finalPolicies = sanitize(parent.policies(), localAddDefault);
            }
            for (String p : finalPolicies) {
                if (role.disallowedPolicies().contains(p) || globAny(role.disallowedPoliciesGlob(), p)) {
                    throw KeyhavenException.badRequest("token policy \"" + p + "\" is disallowed by this role");
                }
            }
            policies = finalPolicies;
        } else if (requested.isEmpty()) {
            policies = sanitize(parent.policies(), false);
        } else if (!isSudo) {
            List<String> in = sanitize(requested, false);
            List<String> par = sanitize(parent.policies(), false);
            for (String p : in) if (!par.contains(p)) throw KeyhavenException.badRequest("child policies must be subset of parent");
            policies = in;
            addDefault = !noDefault && parent.policies().contains("default");
        } else {
            policies = sanitize(requested, false);
            addDefault = !noDefault;
        }
        policies = sanitize(policies, addDefault);
        if (noDefault) policies = policies.stream().filter(p -> !p.equals("default")).toList();
        if (policies.contains("root") && !parent.isRoot()) {
            throw KeyhavenException.badRequest("root tokens may not be created without parent token being root");
        }

        String parentHash = parent.hash();
        if (role != null) {
            if (role.orphan()) parentHash = "";
        } else if (f.bool("no_parent", false)) {
            if (!isSudo) throw KeyhavenException.badRequest("root or sudo privileges required to create orphan token");
            parentHash = "";
        } else if (orphanPath) {
            parentHash = "";
        }

        Duration explicitMax = f.duration("explicit_max_ttl").orElse(Duration.ZERO);
        Duration period = f.duration("period").orElse(Duration.ZERO);
        if (!period.isZero() && !isSudo) throw KeyhavenException.badRequest("root or sudo privileges required to create periodic token");
        Duration ttl = f.duration("ttl").orElseGet(() -> f.duration("lease").orElse(Duration.ZERO));

        String entityAlias = "";
        Optional<String> alias = f.string("entity_alias").filter(s -> !s.isEmpty());
        if (alias.isPresent()) {
            if (role == null) throw KeyhavenException.badRequest("'entity_alias' is only allowed in combination with token role");
            if (!role.allowedEntityAliases().contains(alias.get()) && !globAny(role.allowedEntityAliases(), alias.get())) {
                throw KeyhavenException.badRequest("invalid 'entity_alias' value");
            }
            entityAlias = alias.get();
        }

        if (role != null) {
            if (role.explicitMaxTtl() != 0) {
                Duration r = Duration.ofSeconds(role.explicitMaxTtl());
                if (explicitMax.isZero()) {
                    explicitMax = r;
                } else {
                    if (r.compareTo(explicitMax) < 0) explicitMax = r;
                    warnings.add("Explicit max TTL specified both during creation call and in role; using the lesser value of " + explicitMax.toSeconds() + " seconds");
                }
            }
            if (role.period() != 0) {
                Duration r = Duration.ofSeconds(role.period());
                if (period.isZero()) {
                    period = r;
                } else {
                    if (r.compareTo(period) < 0) period = r;
                    warnings.add("Period specified both during creation call and in role; using the lesser value of " + period.toSeconds() + " seconds");
                }
            }
            if (role.numUses() > 0 && (numUses == 0 || role.numUses() < numUses)) numUses = role.numUses();
        }

        TokenSpec spec = new TokenSpec(policies, meta, displayName, numUses, ttl, explicitMax, period, renewable, parentHash, path,
                role == null ? "" : role.name(), customId, entityAlias, role == null ? List.of() : role.boundCidrs());
        TokenStore.Created created = store.create(spec);
        warnings.addAll(created.warnings());
        for (String p : created.entry().policies()) {
            if (!p.equals("root") && auth.policyStore().get(p).isEmpty()) warnings.add("Policy \"" + p + "\" does not exist");
        }
        Response r = Response.empty().auth(authBlock(created.token(), created.entry(), store.now()));
        warnings.forEach(r::warning);
        return r;
    }

    private static void validateCustomId(String id) {
        if (id.length() > 256) throw KeyhavenException.badRequest("custom token ID is too long (maximum 256 characters)");
        if (id.startsWith(TokenStore.SERVICE_PREFIX)) throw KeyhavenException.badRequest("custom token ID cannot have the 'hvs.' prefix");
        if (id.contains(".")) throw KeyhavenException.badRequest("token IDs can not contain a '.'");
        for (char c : id.toCharArray()) {
            if (c <= 0x20 || c >= 0x7f) throw KeyhavenException.badRequest("custom token ID must be printable ASCII without spaces");
        }
    }

    /** Vault's policyutil.SanitizePolicies: trim, lower-case, de-duplicate, sort; root alone wins. */
    static List<String> sanitize(List<String> in, boolean addDefault) {
        TreeSet<String> out = new TreeSet<>();
        for (String p : in) {
            String s = p.strip().toLowerCase(Locale.ROOT);
            if (!s.isEmpty()) out.add(s);
        }
        if (out.contains("root")) return List.of("root");
        if (addDefault) out.add("default");
        return List.copyOf(out);
    }

    static boolean globAny(List<String> globs, String value) {
        for (String g : globs) if (glob(g, value)) return true;
        return false;
    }

    /** '*' matches any run of characters (ryanuber/go-glob semantics, as Vault uses for *_glob fields). */
    static boolean glob(String pattern, String s) {
        return dev.keyhaven.core.util.Glob.matches(pattern, s);
    }

    /** The {@code auth} block Vault returns for token creation, renewal and logins. */
    public static Map<String, Object> authBlock(String token, TokenEntry e, Instant now) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("client_token", token);
        a.put("accessor", e.accessor());
        a.put("policies", e.policies());
        a.put("token_policies", e.policies());
        a.put("metadata", e.meta().isEmpty() ? null : new LinkedHashMap<>(e.meta()));
        a.put("lease_duration", e.ttlAt(now));
        a.put("renewable", e.renewable());
        a.put("entity_id", e.entityId());
        a.put("token_type", "service");
        a.put("orphan", e.isOrphan());
        a.put("mfa_requirement", null);
        a.put("num_uses", Math.max(0, e.numUses()));
        return a;
    }

    // ------------------------------------------------------------------ lookup

    private Response lookupSelf(Request request) {
        TokenEntry e = caller(request);
        return Response.of(lookupData(request.clientToken().orElse(""), e, auth.tokenStore().now()));
    }

    private Response lookup(Request request) {
        Fields f = new Fields(request.data(), Set.of("token"));
        String token = f.string("token").orElse("");
        if (token.isEmpty()) {
            return lookupSelf(request);
        }
        TokenEntry e = auth.tokenStore().lookup(token).orElseThrow(() -> new KeyhavenException(ErrorCode.PERMISSION_DENIED, "bad token"));
        return Response.of(lookupData(token, e, auth.tokenStore().now()));
    }

    private Response lookupAccessor(Request request) {
        Fields f = new Fields(request.data(), Set.of("accessor"));
        String accessor = f.string("accessor").orElse("");
        if (accessor.isEmpty()) throw KeyhavenException.badRequest("missing accessor");
        TokenEntry e = auth.tokenStore().lookupByAccessor(accessor).orElseThrow(() -> KeyhavenException.badRequest("invalid accessor"));
        return Response.of(lookupData("", e, auth.tokenStore().now()));
    }

    /** Vault's lookup response data. {@code id} is the token the caller presented ("" for accessor lookups). */
    public static Map<String, Object> lookupData(String id, TokenEntry e, Instant now) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("accessor", e.accessor());
        d.put("creation_time", e.creationTime());
        d.put("creation_ttl", e.creationTtl());
        d.put("display_name", e.displayName());
        d.put("entity_id", e.entityId());
        d.put("expire_time", e.expireTime().map(Instant::toString).orElse(null));
        d.put("explicit_max_ttl", e.explicitMaxTtl());
        d.put("id", id);
        d.put("issue_time", Instant.ofEpochSecond(e.creationTime()).toString());
        d.put("meta", e.meta().isEmpty() ? null : new LinkedHashMap<>(e.meta()));
        d.put("num_uses", Math.max(0, e.numUses()));
        d.put("orphan", e.isOrphan());
        d.put("path", e.path());
        d.put("policies", e.policies());
        d.put("renewable", e.renewable());
        d.put("ttl", e.ttlAt(now));
        d.put("type", "service");
        if (!e.role().isEmpty()) d.put("role", e.role());
        if (e.period() != 0) d.put("period", e.period());
        if (!e.boundCidrs().isEmpty()) d.put("bound_cidrs", e.boundCidrs());
        if (e.lastRenewalTime() != 0) {
            d.put("last_renewal_time", e.lastRenewalTime());
            d.put("last_renewal", Instant.ofEpochSecond(e.lastRenewalTime()).toString());
        }
        return d;
    }

    // ------------------------------------------------------------------ renew

    private Response renew(Request request, String mode) {
        TokenStore store = auth.tokenStore();
        Fields f = new Fields(request.data(), Set.of("token", "accessor", "increment"));
        Duration increment = f.duration("increment").orElse(Duration.ZERO);
        TokenEntry target;
        String token;
        switch (mode) {
            case "self" -> {
                target = caller(request);
                token = request.clientToken().orElse("");
            }
            case "token" -> {
                token = f.string("token").orElse("");
                if (token.isEmpty()) throw KeyhavenException.badRequest("missing token ID");
                target = store.lookup(token).orElseThrow(() -> KeyhavenException.badRequest("token not found"));
            }
            default -> {
                String accessor = f.string("accessor").orElse("");
                if (accessor.isEmpty()) throw KeyhavenException.badRequest("missing accessor");
                target = store.lookupByAccessor(accessor).orElseThrow(() -> KeyhavenException.badRequest("invalid accessor"));
                token = "";
            }
        }
        Map.Entry<TokenEntry, List<String>> renewed = store.renew(target, increment, auth.loginRoleFor(target).orElse(null));
        Response r = Response.empty().auth(authBlock(token, renewed.getKey(), store.now()));
        renewed.getValue().forEach(r::warning);
        return r;
    }

    // ------------------------------------------------------------------ revoke

    private Response revoke(Request request) {
        Fields f = new Fields(request.data(), Set.of("token"));
        String token = f.string("token").orElse("");
        if (token.isEmpty()) throw KeyhavenException.badRequest("missing token ID");
        TokenStore store = auth.tokenStore();
        store.lookup(token).ifPresent(e -> store.revokeTree(e.hash()));
        return Response.empty();
    }

    private Response revokeSelf(Request request) {
        TokenEntry e = caller(request);
        auth.tokenStore().revokeTree(e.hash());
        return Response.empty();
    }

    private Response revokeAccessor(Request request) {
        Fields f = new Fields(request.data(), Set.of("accessor"));
        String accessor = f.string("accessor").orElse("");
        if (accessor.isEmpty()) throw KeyhavenException.badRequest("missing accessor");
        TokenStore store = auth.tokenStore();
        TokenEntry e = store.lookupByAccessor(accessor).orElseThrow(() -> KeyhavenException.badRequest("invalid accessor"));
        store.revokeTree(e.hash());
        return Response.empty();
    }

    private Response revokeOrphan(Request request) {
        Fields f = new Fields(request.data(), Set.of("token"));
        String token = f.string("token").orElse("");
        if (token.isEmpty()) throw KeyhavenException.badRequest("missing token ID");
        if (!auth.hasSudo(caller(request), request.path())) throw KeyhavenException.badRequest("root or sudo privileges required to revoke and orphan");
        TokenStore store = auth.tokenStore();
        TokenEntry e = store.lookup(token).orElseThrow(() -> KeyhavenException.badRequest("token to revoke not found"));
        store.revokeOrphan(e.hash());
        return Response.empty();
    }

    // ------------------------------------------------------------------ roles

    private Response roleRequest(Request request, String name) {
        TokenStore store = auth.tokenStore();
        switch (request.operation()) {
            case READ:
                return Response.of(store.role(name).orElseThrow(KeyhavenException::notFound).toWire());
            case DELETE:
                store.deleteRole(name);
                return Response.empty();
            case CREATE:
            case UPDATE:
                return writeRole(request, name, store);
            default:
                throw KeyhavenException.unsupported(request.operation(), request.relativePath());
        }
    }

    private Response writeRole(Request request, String name, TokenStore store) {
        Fields f = new Fields(request.data(), ROLE_FIELDS);
        for (String unsupported : List.of("token_ttl", "token_max_ttl", "token_policies", "token_strictly_bind_ip")) {
            if (f.has(unsupported)) {
                throw KeyhavenException.badRequest("'" + unsupported + "' is not supported for token roles; use allowed_policies, token_explicit_max_ttl or token_period");
            }
        }
        TokenRole cur = store.role(name).orElse(TokenRole.defaults(name));
        List<String> allowed = f.stringList("allowed_policies").map(l -> sanitize(l, false)).orElse(cur.allowedPolicies());
        List<String> disallowed = f.stringList("disallowed_policies").map(l -> sanitize(l, false)).orElse(cur.disallowedPolicies());
        for (String p : allowed) Fields.segmentName("policy", p);
        for (String p : disallowed) Fields.segmentName("policy", p);
        String suffix = f.string("path_suffix").orElse(cur.pathSuffix()).strip();
        if (suffix.contains("..")) throw KeyhavenException.badRequest("error registering path suffix: path suffix cannot contain '..'");
        if (!suffix.isEmpty() && !suffix.matches("[A-Za-z0-9._/-]{1,128}")) {
            throw KeyhavenException.badRequest("path_suffix may contain only letters, digits, '.', '_', '-' and '/'");
        }
        suffix = suffix.replaceAll("^/+|/+$", "");
        long explicitMax = f.duration("token_explicit_max_ttl").or(() -> f.duration("explicit_max_ttl")).map(Duration::toSeconds).orElse(cur.explicitMaxTtl());
        long period = f.duration("token_period").or(() -> f.duration("period")).map(Duration::toSeconds).orElse(cur.period());
        String tokenType = f.string("token_type").orElse(cur.tokenType());
        switch (tokenType) {
            case "default", "default-service", "service" -> { }
            case "batch", "default-batch" -> throw KeyhavenException.badRequest("batch tokens are not supported by this server; use token_type \"service\"");
            default -> throw KeyhavenException.badRequest("invalid 'token_type' value");
        }
        if (tokenType.equals("default")) tokenType = "default-service";
        long numUses = f.integer("token_num_uses").orElse(cur.numUses());
        if (numUses < 0) throw KeyhavenException.badRequest("token_num_uses cannot be negative");
        TokenRole role = new TokenRole(name, allowed, disallowed,
                f.stringList("allowed_policies_glob").orElse(cur.allowedPoliciesGlob()),
                f.stringList("disallowed_policies_glob").orElse(cur.disallowedPoliciesGlob()),
                f.stringList("allowed_entity_aliases").orElse(cur.allowedEntityAliases()),
                f.bool("orphan", cur.orphan()), f.bool("renewable", cur.renewable()), suffix, explicitMax, period, tokenType,
                f.bool("token_no_default_policy", cur.noDefaultPolicy()), numUses,
                f.stringList("token_bound_cidrs").or(() -> f.stringList("bound_cidrs"))
                        .map(l -> dev.keyhaven.core.auth.login.Cidrs.validate("token_bound_cidrs", l)).orElse(cur.boundCidrs()));
        store.putRole(role);
        Response r = Response.empty();
        f.unknownFieldsWarning().ifPresent(r::warning);
        if (period > 0 && explicitMax > 0 && explicitMax < period) {
            r.warning("Role's token_period value is greater than role's token_explicit_max_ttl value");
        }
        return r;
    }
}
