package dev.keyhaven.core.auth.approle;

import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.auth.login.Cidrs;
import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.auth.login.LoginAttempt;
import dev.keyhaven.core.auth.login.LoginEvents;
import dev.keyhaven.core.auth.login.LoginFailure;
import dev.keyhaven.core.auth.login.MountSecrets;
import dev.keyhaven.core.auth.login.TokenIssuer;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vault's AppRole auth method: {@code role} (LIST), {@code role/<name>}, {@code role/<name>/role-id},
 * {@code role/<name>/secret-id} (generate, LIST accessors), {@code role/<name>/custom-secret-id},
 * {@code role/<name>/secret-id/lookup|destroy}, {@code role/<name>/secret-id-accessor/lookup|destroy},
 * {@code tidy/secret-id} and {@code login}, with Vault's wire format and error strings.
 *
 * <p>Storage (the mount's barrier view); no credential is stored in clear:
 * <pre>
 *   hmac_key                                  32 random bytes (per mount)
 *   role/&lt;name&gt;                               the role (JSON, with its role_id)
 *   role_id/&lt;hmac(role_id)&gt;                    → role name
 *   secret_id/&lt;name&gt;/&lt;hmac(secret_id)&gt;        the secret ID entry
 *   accessor/&lt;name&gt;/&lt;hmac(accessor)&gt;         → hmac(secret_id)
 * </pre>
 */
public final class AppRoleEngine implements Engine, dev.keyhaven.core.auth.login.LoginRenewal {
    private static final Logger LOG = LoggerFactory.getLogger(AppRoleEngine.class);
    static final String ROLE = "role/";
    static final String ROLE_ID = "role_id/";
    static final String SECRET_ID = "secret_id/";
    static final String ACCESSOR = "accessor/";
    private static final Set<String> SECRET_ID_FIELDS = Set.of("role_name", "secret_id", "metadata", "cidr_list", "token_bound_cidrs", "num_uses", "ttl");

    private final Storage storage;
    private final Clock clock;
    private final String mountPath;
    private final TokenIssuer issuer;
    private final LoginEvents events;
    private final MountSecrets secrets;
    private final ReentrantLock roleLock = new ReentrantLock();

    public AppRoleEngine(EngineContext ctx, TokenIssuer issuer, LoginEvents events) {
        this.storage = ctx.storage();
        this.clock = ctx.clock();
        String mp = ctx.mountPath().endsWith("/") ? ctx.mountPath() : ctx.mountPath() + "/";
        this.mountPath = mp.startsWith("auth/") ? mp : "auth/" + mp;
        this.issuer = issuer;
        this.events = events;
        this.secrets = new MountSecrets(storage);
    }

    @Override
    public List<String> unauthenticatedPaths() {
        return List.of("login");
    }

    @Override
    public Optional<Boolean> exists(Request request) {
        String[] p = request.relativePathTrimmed().split("/", -1);
        if (p.length == 2 && p[0].equals("role")) return Optional.of(storage.get(ROLE + p[1].toLowerCase(Locale.ROOT)).isPresent());
        return Optional.empty();
    }

    @Override
    public Response handle(Request request) {
        String path = request.relativePathTrimmed();
        Operation op = request.operation();
        boolean write = op == Operation.CREATE || op == Operation.UPDATE;
        if (path.equals("login")) {
            if (!write) throw KeyhavenException.unsupported(op, path);
            return login(request);
        }
        if (path.equals("role")) {
            if (op != Operation.LIST) throw KeyhavenException.unsupported(op, path);
            return list(storage.list(ROLE));
        }
        if (path.equals("tidy/secret-id")) {
            if (!write) throw KeyhavenException.unsupported(op, path);
            int n = tidy();
            return Response.empty().status(202).warning("Tidy operation completed: removed " + n + " expired or orphaned secret ID record(s).");
        }
        String[] seg = path.split("/", -1);
        if (seg.length < 2 || !seg[0].equals("role")) throw new KeyhavenException(ErrorCode.NOT_FOUND, "unsupported path");
        String name = Fields.segmentName("role", seg[1]).toLowerCase(Locale.ROOT);
        String sub = String.join("/", java.util.Arrays.copyOfRange(seg, 2, seg.length));
        switch (sub) {
            case "":
                return switch (op) {
                    case READ -> Response.of(role(name).orElseThrow(KeyhavenException::notFound).toWire());
                    case CREATE, UPDATE -> writeRole(name, request.data());
                    case DELETE -> deleteRole(name);
                    default -> throw KeyhavenException.unsupported(op, path);
                };
            case "role-id":
                if (op == Operation.READ) return Response.of(Response.map("role_id", existingRole(name, true).roleId()));
                if (write) return setRoleId(name, request.data());
                throw KeyhavenException.unsupported(op, path);
            case "secret-id":
                if (op == Operation.LIST) return listSecretIds(name);
                if (write) return createSecretId(name, request.data(), UUID.randomUUID().toString(), false);
                throw KeyhavenException.unsupported(op, path);
            case "custom-secret-id": {
                if (!write) throw KeyhavenException.unsupported(op, path);
                Object sid = request.data().get("secret_id");
                String custom = sid instanceof String s ? s : "";
                return createSecretId(name, request.data(), custom, true);
            }
            case "secret-id/lookup":
                if (!write) throw KeyhavenException.unsupported(op, path);
                return lookupSecretId(name, request.data());
            case "secret-id/destroy":
                if (!write && op != Operation.DELETE) throw KeyhavenException.unsupported(op, path);
                return destroySecretId(name, request.data());
            case "secret-id-accessor/lookup":
                if (!write) throw KeyhavenException.unsupported(op, path);
                return lookupAccessor(name, request.data());
            case "secret-id-accessor/destroy":
                if (!write && op != Operation.DELETE) throw KeyhavenException.unsupported(op, path);
                return destroyAccessor(name, request.data());
            default:
                RoleField field = ROLE_FIELDS.get(sub);
                if (field == null) throw new KeyhavenException(ErrorCode.NOT_FOUND, "unsupported path");
                return roleField(name, field, op, request.data());
        }
    }

    /**
     * One of Vault's per-field role endpoints ({@code role/NAME/token-ttl} …): {@code read} are the keys of the role's
     * read shape it answers with, {@code field} (and the deprecated {@code alias}) what a write takes, {@code reset} the
     * value a DELETE writes back (null: read-only).
     */
    private record RoleField(List<String> read, String field, String alias, Object reset) {}

    private static final Map<String, RoleField> ROLE_FIELDS = Map.ofEntries(
            Map.entry("policies", new RoleField(List.of("policies", "token_policies"), "token_policies", "policies", List.of())),
            Map.entry("period", new RoleField(List.of("period", "token_period"), "token_period", "period", 0)),
            Map.entry("token-ttl", new RoleField(List.of("token_ttl"), "token_ttl", null, 0)),
            Map.entry("token-max-ttl", new RoleField(List.of("token_max_ttl"), "token_max_ttl", null, 0)),
            Map.entry("token-num-uses", new RoleField(List.of("token_num_uses"), "token_num_uses", null, 0)),
            Map.entry("token-bound-cidrs", new RoleField(List.of("token_bound_cidrs"), "token_bound_cidrs", null, List.of())),
            Map.entry("secret-id-ttl", new RoleField(List.of("secret_id_ttl"), "secret_id_ttl", null, 0)),
            Map.entry("secret-id-num-uses", new RoleField(List.of("secret_id_num_uses"), "secret_id_num_uses", null, 0)),
            Map.entry("secret-id-bound-cidrs", new RoleField(List.of("secret_id_bound_cidrs"), "secret_id_bound_cidrs", null, List.of())),
            Map.entry("bound-cidr-list", new RoleField(List.of("bound_cidr_list"), "secret_id_bound_cidrs", "bound_cidr_list", List.of())),
            Map.entry("bind-secret-id", new RoleField(List.of("bind_secret_id"), "bind_secret_id", null, true)),
            Map.entry("local-secret-ids", new RoleField(List.of("local_secret_ids"), null, null, null)));

    private Response roleField(String name, RoleField field, Operation op, Map<String, Object> data) {
        boolean write = op == Operation.CREATE || op == Operation.UPDATE;
        if (op == Operation.READ) {
            Map<String, Object> wire = role(name).orElseThrow(KeyhavenException::notFound).toWire();
            Map<String, Object> out = new LinkedHashMap<>();
            for (String k : field.read()) {
                Object v = k.equals("bound_cidr_list") ? wire.get("secret_id_bound_cidrs") : k.equals("policies") ? wire.get("token_policies")
                        : k.equals("period") ? wire.get("token_period") : wire.get(k);
                out.put(k, v);
            }
            return Response.of(out);
        }
        if (field.field() == null || (!write && op != Operation.DELETE)) throw KeyhavenException.unsupported(op, "role/" + name);
        Object value;
        if (op == Operation.DELETE) {
            value = field.reset();
        } else if (data.get(field.field()) != null) {
            value = data.get(field.field());
        } else if (field.alias() != null && data.get(field.alias()) != null) {
            value = data.get(field.alias());
        } else {
            throw KeyhavenException.badRequest("missing " + field.field());
        }
        for (String k : data.keySet()) {
            if (!k.equals(field.field()) && !k.equals(field.alias())) {
                throw KeyhavenException.badRequest("unexpected field \"" + k + "\": this endpoint sets " + field.field() + " only");
            }
        }
        writeRole(name, Map.of(field.field(), value), true);
        return Response.empty();
    }

    private static Response list(List<String> raw) {
        List<String> keys = new ArrayList<>();
        for (String k : raw) if (!k.endsWith("/")) keys.add(k);
        if (keys.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(Response.map("keys", keys));
    }

    // ------------------------------------------------------------------ roles

    Optional<AppRole> role(String name) {
        return storage.get(ROLE + name).map(b -> AppRole.fromStored(Json.parseObject(b)));
    }

    /** Vault's approle {@code pathLoginRenew}: the role named in the token's metadata, as stored now. */
    @Override
    public dev.keyhaven.core.auth.login.TokenParams renewal(dev.keyhaven.core.auth.token.TokenEntry token) {
        String name = token.meta().getOrDefault("role_name", "");
        if (name.isEmpty()) throw KeyhavenException.badRequest("failed to fetch role_name during renewal");
        Optional<AppRole> role;
        try {
            role = role(Fields.segmentName("role", name).toLowerCase(Locale.ROOT));
        } catch (KeyhavenException e) {
            role = Optional.empty();
        }
        return role.orElseThrow(() -> KeyhavenException.badRequest("role \"" + name + "\" does not exist during renewal")).token();
    }

    /** The role, or 400 {@code role "x" does not exist} (404 for reads of role-id, as Vault). */
    private AppRole existingRole(String name, boolean notFound) {
        Optional<AppRole> r = role(name);
        if (r.isPresent()) return r.get();
        if (notFound) throw KeyhavenException.notFound();
        throw KeyhavenException.badRequest("role \"" + name + "\" does not exist");
    }

    private Response writeRole(String name, Map<String, Object> data) {
        return writeRole(name, data, false);
    }

    /** Creates or updates a role; {@code mustExist}: only updates (404 if there is no such role). */
    private Response writeRole(String name, Map<String, Object> data, boolean mustExist) {
        roleLock.lock();
        try {
            Optional<AppRole> cur = role(name);
            if (mustExist && cur.isEmpty()) throw new KeyhavenException(ErrorCode.NOT_FOUND, "role \"" + name + "\" does not exist");
            AppRole next = AppRole.parse(name, data, cur.orElse(null), UUID.randomUUID().toString());
            List<StorageOp> ops = new ArrayList<>();
            String newIdx = ROLE_ID + secrets.hmac(next.roleId());
            if (cur.isEmpty() || !cur.get().roleId().equals(next.roleId())) {
                Optional<byte[]> owner = storage.get(newIdx);
                if (owner.isPresent() && !new String(owner.get(), StandardCharsets.UTF_8).equals(name)) {
                    throw KeyhavenException.badRequest("role_id already in use");
                }
                cur.ifPresent(c -> ops.add(StorageOp.delete(ROLE_ID + secrets.hmac(c.roleId()))));
                ops.add(StorageOp.put(newIdx, name.getBytes(StandardCharsets.UTF_8)));
            }
            ops.add(StorageOp.put(ROLE + name, Json.write(next.toStored())));
            storage.batch(ops);
            Response r = Response.empty();
            new Fields(data, AppRole.FIELDS).unknownFieldsWarning().ifPresent(r::warning);
            if (next.bindSecretId() && next.secretIdTtl() == 0 && next.secretIdNumUses() == 0) {
                r.warning("secret IDs of this role never expire and have unlimited uses; consider secret_id_ttl and secret_id_num_uses");
            }
            return r;
        } finally {
            roleLock.unlock();
        }
    }

    private Response deleteRole(String name) {
        roleLock.lock();
        try {
            Optional<AppRole> cur = role(name);
            if (cur.isEmpty()) return Response.empty();
            List<StorageOp> ops = new ArrayList<>();
            ops.add(StorageOp.delete(ROLE + name));
            ops.add(StorageOp.delete(ROLE_ID + secrets.hmac(cur.get().roleId())));
            for (String k : storage.list(SECRET_ID + name + "/")) if (!k.endsWith("/")) ops.add(StorageOp.delete(SECRET_ID + name + "/" + k));
            for (String k : storage.list(ACCESSOR + name + "/")) if (!k.endsWith("/")) ops.add(StorageOp.delete(ACCESSOR + name + "/" + k));
            storage.batch(ops);
            return Response.empty();
        } finally {
            roleLock.unlock();
        }
    }

    private Response setRoleId(String name, Map<String, Object> data) {
        Object v = data.get("role_id");
        String id = v instanceof String s ? s.strip() : "";
        if (id.isEmpty()) throw KeyhavenException.badRequest("missing role_id");
        writeRoleRaw(name, existingRole(name, false), id);
        return Response.empty();
    }

    private void writeRoleRaw(String name, AppRole cur, String newId) {
        roleLock.lock();
        try {
            if (newId.length() > 512) throw KeyhavenException.badRequest("role_id is too long (maximum 512 characters)");
            String idx = ROLE_ID + secrets.hmac(newId);
            Optional<byte[]> owner = storage.get(idx);
            if (owner.isPresent() && !new String(owner.get(), StandardCharsets.UTF_8).equals(name)) throw KeyhavenException.badRequest("role_id already in use");
            AppRole next = new AppRole(cur.name(), newId, cur.bindSecretId(), cur.secretIdBoundCidrs(), cur.secretIdNumUses(), cur.secretIdTtl(),
                    cur.localSecretIds(), cur.token());
            storage.batch(List.of(StorageOp.delete(ROLE_ID + secrets.hmac(cur.roleId())), StorageOp.put(idx, name.getBytes(StandardCharsets.UTF_8)),
                    StorageOp.put(ROLE + name, Json.write(next.toStored()))));
        } finally {
            roleLock.unlock();
        }
    }

    // ------------------------------------------------------------------ secret IDs

    private Response createSecretId(String name, Map<String, Object> data, String secretId, boolean custom) {
        Fields f = new Fields(data, SECRET_ID_FIELDS);
        if (secretId.isEmpty()) throw KeyhavenException.badRequest("missing secret_id");
        if (secretId.length() > 512) throw KeyhavenException.badRequest("secret_id is too long (maximum 512 characters)");
        AppRole role = existingRole(name, false);
        if (!role.bindSecretId()) throw KeyhavenException.badRequest("bind_secret_id is not set on the role");
        List<String> cidrs = Cidrs.validate("cidr_list", f.stringList("cidr_list").orElse(List.of()));
        if (!Cidrs.subset(cidrs, role.secretIdBoundCidrs())) {
            throw KeyhavenException.badRequest("failed to verify the CIDR restrictions set on the secret ID: the CIDR blocks on the secret ID must be a subset of the role's secret_id_bound_cidrs");
        }
        List<String> tokenCidrs = Cidrs.validate("token_bound_cidrs", f.stringList("token_bound_cidrs").orElse(List.of()));
        if (!Cidrs.subset(tokenCidrs, role.token().boundCidrs())) {
            throw KeyhavenException.badRequest("failed to verify the token CIDR restrictions set on the secret ID: the token_bound_cidrs of the secret ID must be a subset of the role's token_bound_cidrs");
        }
        long numUses = role.secretIdNumUses();
        if (f.has("num_uses")) {
            long n = f.integer("num_uses").orElseThrow();
            if (n < 0) throw KeyhavenException.badRequest("num_uses cannot be negative");
            if (role.secretIdNumUses() > 0 && (n == 0 || n > role.secretIdNumUses())) {
                throw KeyhavenException.badRequest("num_uses cannot be higher than the role's secret_id_num_uses");
            }
            numUses = n;
        }
        long ttl = role.secretIdTtl();
        if (f.has("ttl")) {
            long t = f.duration("ttl").orElseThrow().toSeconds();
            if (role.secretIdTtl() > 0 && (t == 0 || t > role.secretIdTtl())) {
                throw KeyhavenException.badRequest("ttl cannot be longer than the role's secret_id_ttl");
            }
            ttl = t;
        }
        Map<String, String> metadata = parseMetadata(data.get("metadata"));
        long now = clock.instant().getEpochSecond();
        String h = secrets.hmac(secretId);
        String entryKey = SECRET_ID + name + "/" + h;
        String accessor = UUID.randomUUID().toString();
        SecretIdEntry e = new SecretIdEntry(accessor, cidrs, tokenCidrs, metadata, numUses, ttl, now, ttl > 0 ? now + ttl : 0, now);
        if (!storage.compareAndSet(entryKey, null, Json.write(e.toStored()))) {
            throw KeyhavenException.badRequest(custom ? "SecretID is already registered" : "failed to generate a unique secret_id; retry");
        }
        storage.put(ACCESSOR + name + "/" + secrets.hmac(accessor), h.getBytes(StandardCharsets.UTF_8));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("secret_id", secretId);
        out.put("secret_id_accessor", accessor);
        out.put("secret_id_num_uses", numUses);
        out.put("secret_id_ttl", ttl);
        Response r = Response.of(out);
        f.unknownFieldsWarning().ifPresent(r::warning);
        return r;
    }

    /** Vault takes metadata as a JSON-encoded string of string values; an object is accepted too. */
    private static Map<String, String> parseMetadata(Object raw) {
        if (raw == null) return Map.of();
        Object v = raw;
        if (raw instanceof String s) {
            if (s.isBlank()) return Map.of();
            try {
                v = Json.parseObject(s.getBytes(StandardCharsets.UTF_8));
            } catch (KeyhavenException e) {
                throw KeyhavenException.badRequest("failed to parse metadata: expected a JSON object of string values");
            }
        }
        if (!(v instanceof Map<?, ?> m)) throw KeyhavenException.badRequest("failed to parse metadata: expected a JSON object of string values");
        if (m.size() > 64) throw KeyhavenException.badRequest("failed to parse metadata: too many keys (maximum 64)");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String val)) throw KeyhavenException.badRequest("failed to parse metadata: expected a JSON object of string values");
            String k = String.valueOf(e.getKey());
            if (k.equals("role_name")) throw KeyhavenException.badRequest("failed to parse metadata: \"role_name\" is reserved");
            if (k.length() > 128 || val.length() > 512) throw KeyhavenException.badRequest("failed to parse metadata: a key or value is too long");
            out.put(k, val);
        }
        return out;
    }

    private Response listSecretIds(String name) {
        existingRole(name, false);
        long now = clock.instant().getEpochSecond();
        List<String> keys = new ArrayList<>();
        for (String h : storage.list(SECRET_ID + name + "/")) {
            if (h.endsWith("/")) continue;
            Optional<SecretIdEntry> e = entry(name, h);
            if (e.isEmpty()) continue;
            if (e.get().expiredAt(now)) {
                deleteEntry(name, h, e.get());
                continue;
            }
            keys.add(e.get().accessor());
        }
        keys.sort(null);
        if (keys.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(Response.map("keys", keys));
    }

    private Optional<SecretIdEntry> entry(String name, String h) {
        return storage.get(SECRET_ID + name + "/" + h).map(b -> SecretIdEntry.fromStored(Json.parseObject(b)));
    }

    private void deleteEntry(String name, String h, SecretIdEntry e) {
        storage.batch(List.of(StorageOp.delete(SECRET_ID + name + "/" + h), StorageOp.delete(ACCESSOR + name + "/" + secrets.hmac(e.accessor()))));
    }

    private static String field(Map<String, Object> data, String name) {
        Object v = data.get(name);
        String s = v instanceof String str ? str.strip() : "";
        if (s.isEmpty()) throw KeyhavenException.badRequest("missing " + name);
        return s;
    }

    private Response lookupSecretId(String name, Map<String, Object> data) {
        String sid = field(data, "secret_id");
        existingRole(name, false);
        String h = secrets.hmac(sid);
        Optional<SecretIdEntry> e = entry(name, h);
        if (e.isEmpty()) return Response.empty(); // Vault answers 204 for an unknown secret ID
        if (e.get().expiredAt(clock.instant().getEpochSecond())) {
            deleteEntry(name, h, e.get());
            return Response.empty();
        }
        return Response.of(e.get().toWire());
    }

    private Response destroySecretId(String name, Map<String, Object> data) {
        String sid = field(data, "secret_id");
        existingRole(name, false);
        String h = secrets.hmac(sid);
        entry(name, h).ifPresent(e -> deleteEntry(name, h, e));
        return Response.empty();
    }

    private Optional<Map.Entry<String, SecretIdEntry>> byAccessor(String name, String accessor) {
        return storage.get(ACCESSOR + name + "/" + secrets.hmac(accessor)).flatMap(b -> {
            String h = new String(b, StandardCharsets.UTF_8);
            return entry(name, h).map(e -> Map.entry(h, e));
        });
    }

    private KeyhavenException accessorNotFound(String accessor) {
        return new KeyhavenException(ErrorCode.NOT_FOUND, "failed to find accessor entry for secret_id_accessor: \"" + printable(accessor) + "\"");
    }

    private Response lookupAccessor(String name, Map<String, Object> data) {
        String acc = field(data, "secret_id_accessor");
        existingRole(name, false);
        Map.Entry<String, SecretIdEntry> e = byAccessor(name, acc).orElseThrow(() -> accessorNotFound(acc));
        if (e.getValue().expiredAt(clock.instant().getEpochSecond())) {
            deleteEntry(name, e.getKey(), e.getValue());
            throw accessorNotFound(acc);
        }
        return Response.of(e.getValue().toWire());
    }

    private Response destroyAccessor(String name, Map<String, Object> data) {
        String acc = field(data, "secret_id_accessor");
        existingRole(name, false);
        Map.Entry<String, SecretIdEntry> e = byAccessor(name, acc).orElseThrow(() -> accessorNotFound(acc));
        deleteEntry(name, e.getKey(), e.getValue());
        return Response.empty();
    }

    /** Removes expired secret IDs, and accessor records whose secret ID is gone. */
    int tidy() {
        long now = clock.instant().getEpochSecond();
        int n = 0;
        for (String roleDir : storage.list(SECRET_ID)) {
            if (!roleDir.endsWith("/")) continue;
            String name = roleDir.substring(0, roleDir.length() - 1);
            for (String h : storage.list(SECRET_ID + roleDir)) {
                if (h.endsWith("/")) continue;
                Optional<SecretIdEntry> e = entry(name, h);
                if (e.isPresent() && (e.get().expiredAt(now) || role(name).isEmpty())) {
                    deleteEntry(name, h, e.get());
                    n++;
                }
            }
        }
        for (String roleDir : storage.list(ACCESSOR)) {
            if (!roleDir.endsWith("/")) continue;
            String name = roleDir.substring(0, roleDir.length() - 1);
            for (String a : storage.list(ACCESSOR + roleDir)) {
                if (a.endsWith("/")) continue;
                Optional<byte[]> h = storage.get(ACCESSOR + roleDir + a);
                if (h.isPresent() && storage.get(SECRET_ID + name + "/" + new String(h.get(), StandardCharsets.UTF_8)).isEmpty()) {
                    storage.delete(ACCESSOR + roleDir + a);
                    n++;
                }
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ login

    private Response login(Request request) {
        Map<String, Object> data = request.data();
        String roleId = data.get("role_id") instanceof String s ? s.strip() : "";
        String secretId = data.get("secret_id") instanceof String s ? s.strip() : "";
        Map<String, String> facts = new LinkedHashMap<>();
        if (!roleId.isEmpty()) facts.put("role_id_hmac", secrets.auditHmac(roleId));
        String credential = secretId.isEmpty() ? "" : secrets.auditHmac(secretId);
        String[] roleName = {""};
        try {
            Map<String, Object> auth = doLogin(request, roleId, secretId, facts, roleName);
            emit(request, roleName[0], true, null, "", facts, credential, String.valueOf(auth.get("accessor")));
            return Response.empty().auth(auth);
        } catch (LoginFailure e) {
            emit(request, roleName[0], false, e.failureClass(), String.join("; ", e.errors()), facts, credential, "");
            throw e;
        } catch (KeyhavenException e) {
            emit(request, roleName[0], false, FailureClass.INTERNAL, String.join("; ", e.errors()), facts, credential, "");
            throw e;
        } catch (RuntimeException e) {
            emit(request, roleName[0], false, FailureClass.INTERNAL, "internal error", facts, credential, "");
            LOG.error("approle login at {} failed unexpectedly: {}", mountPath, e.getClass().getName());
            throw new KeyhavenException(ErrorCode.INTERNAL, "internal error during login");
        }
    }

    private static final String INVALID = "invalid role or secret ID";

    private Map<String, Object> doLogin(Request request, String roleId, String secretId, Map<String, String> facts, String[] roleNameOut) {
        if (roleId.isEmpty()) throw LoginFailure.badRequest(FailureClass.MISSING_INPUT, "missing role_id");
        if (roleId.length() > 512) throw LoginFailure.badRequest(FailureClass.ROLE, INVALID);
        Optional<byte[]> idx = storage.get(ROLE_ID + secrets.hmac(roleId));
        if (idx.isEmpty()) throw LoginFailure.badRequest(FailureClass.ROLE, INVALID);
        String name = new String(idx.get(), StandardCharsets.UTF_8);
        roleNameOut[0] = name;
        AppRole role = role(name).filter(r -> r.roleId().equals(roleId)).orElseThrow(() -> LoginFailure.badRequest(FailureClass.ROLE, INVALID));
        String remote = request.remoteAddress();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<String> tokenCidrs = role.token().boundCidrs();
        if (role.bindSecretId()) {
            if (secretId.isEmpty()) throw LoginFailure.badRequest(FailureClass.MISSING_INPUT, "missing secret_id");
            if (secretId.length() > 512) throw LoginFailure.badRequest(FailureClass.CREDENTIALS, INVALID);
            SecretIdEntry e = consume(name, secretId, remote, role);
            facts.put("secret_id_accessor", e.accessor());
            metadata.putAll(e.metadata());
            if (!e.tokenBoundCidrs().isEmpty()) tokenCidrs = e.tokenBoundCidrs();
        }
        if (!role.secretIdBoundCidrs().isEmpty() && !Cidrs.contains(role.secretIdBoundCidrs(), remote)) {
            throw LoginFailure.badRequest(FailureClass.CIDR, "source address \"" + printable(remote) + "\" unauthorized by CIDR restrictions on the role");
        }
        if (!tokenCidrs.isEmpty() && !Cidrs.contains(tokenCidrs, remote)) throw LoginFailure.permissionDenied(FailureClass.CIDR);
        metadata.put("role_name", name);
        return issuer.issue(role.token().loginSpec(mountPath, metadata, "", role.roleId()).withBoundCidrs(tokenCidrs));
    }

    /**
     * Validates a secret ID and counts one use (compare-and-set, so concurrent logins never over-use it; the last
     * use deletes it). CIDR restrictions are checked before a use is counted.
     */
    private SecretIdEntry consume(String name, String secretId, String remote, AppRole role) {
        String h = secrets.hmac(secretId);
        String key = SECRET_ID + name + "/" + h;
        for (int attempt = 0; attempt < 64; attempt++) {
            Optional<byte[]> raw = storage.get(key);
            if (raw.isEmpty()) throw LoginFailure.badRequest(FailureClass.CREDENTIALS, INVALID);
            SecretIdEntry e = SecretIdEntry.fromStored(Json.parseObject(raw.get()));
            long now = clock.instant().getEpochSecond();
            if (e.expiredAt(now)) {
                deleteEntry(name, h, e);
                throw LoginFailure.badRequest(FailureClass.CREDENTIALS, INVALID);
            }
            if (storage.get(ACCESSOR + name + "/" + secrets.hmac(e.accessor())).isEmpty()) {
                storage.delete(key); // an entry without its accessor record is revoked, as Vault does
                throw LoginFailure.badRequest(FailureClass.CREDENTIALS, INVALID);
            }
            if (!Cidrs.subset(e.cidrList(), role.secretIdBoundCidrs())) {
                throw LoginFailure.badRequest(FailureClass.CIDR, "the CIDR blocks on the secret ID are no longer a subset of the role's secret_id_bound_cidrs");
            }
            if (!e.cidrList().isEmpty() && !Cidrs.contains(e.cidrList(), remote)) {
                throw LoginFailure.badRequest(FailureClass.CIDR, "source address \"" + printable(remote) + "\" unauthorized through CIDR restrictions on the secret ID");
            }
            if (e.numUses() == 0) return e;
            if (e.numUses() == 1) {
                if (storage.compareAndSet(key, raw.get(), null)) {
                    storage.delete(ACCESSOR + name + "/" + secrets.hmac(e.accessor()));
                    return e;
                }
                continue;
            }
            if (storage.compareAndSet(key, raw.get(), Json.write(e.withNumUses(e.numUses() - 1, now).toStored()))) return e;
        }
        throw new KeyhavenException(ErrorCode.UNAVAILABLE, "secret ID use count is under heavy contention; retry");
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7e…]", "?");
    }

    private void emit(Request request, String role, boolean success, FailureClass fc, String error, Map<String, String> facts, String credential,
                      String accessor) {
        try {
            events.onLogin(new LoginAttempt(clock.instant(), "approle", mountPath, role, success, Optional.ofNullable(fc), error, facts, credential,
                    request.remoteAddress(), accessor));
        } catch (RuntimeException e) {
            LOG.warn("login event sink failed: {}", e.getClass().getSimpleName());
        }
    }
}
