package dev.keyhaven.core.auth.jwt;

import com.nimbusds.jose.JWSObject;
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
import dev.keyhaven.core.util.Json;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vault's JWT/OIDC auth method ({@code sys/auth} types {@code jwt} and {@code oidc}): {@code config},
 * {@code role/<name>} (read, write, delete), {@code role} (LIST) and {@code login}, with the plugin's field names,
 * defaults, order of checks and error strings. The browser OIDC flow ({@code oidc/auth_url}, {@code oidc/callback})
 * is not offered; an {@code oidc} role gets Vault's login error.
 *
 * <p>Storage (the mount's barrier view): {@code config}, {@code role/<name>}, {@code jti/<hmac>} (replay records),
 * {@code hmac_key}.
 */
public final class JwtAuthEngine implements Engine, dev.keyhaven.core.auth.login.LoginRenewal {
    private static final Logger LOG = LoggerFactory.getLogger(JwtAuthEngine.class);
    static final String CONFIG = "config";
    static final String ROLE = "role/";
    /** Claims copied (truncated) into login events: identify the run, never carry secrets. */
    static final List<String> AUDITED_CLAIMS = List.of("iss", "sub", "aud", "jti", "repository", "repository_id", "repository_owner_id", "ref",
            "sha", "run_id", "run_attempt", "workflow_ref", "job_workflow_ref", "event_name", "environment", "runner_environment",
            "project_path", "project_id", "namespace_id", "pipeline_id", "job_id", "ref_protected", "environment_protected");

    private final Storage storage;
    private final Clock clock;
    private final String mountPath;
    private final String method;
    private final TokenIssuer issuer;
    private final LoginEvents events;
    private final MountSecrets secrets;
    private final JtiStore jtis;
    private volatile Loaded loaded;

    /** The config as stored plus the key sets built from it (rebuilt when the stored bytes change, e.g. on another node). */
    private record Loaded(byte[] raw, JwtConfig config, List<KeySet> keySets) {}

    public JwtAuthEngine(EngineContext ctx, TokenIssuer issuer, LoginEvents events) {
        this.storage = ctx.storage();
        this.clock = ctx.clock();
        String mp = ctx.mountPath().endsWith("/") ? ctx.mountPath() : ctx.mountPath() + "/";
        this.mountPath = mp.startsWith("auth/") ? mp : "auth/" + mp;
        this.method = ctx.type().isEmpty() ? "jwt" : ctx.type();
        this.issuer = issuer;
        this.events = events;
        this.secrets = new MountSecrets(storage);
        this.jtis = new JtiStore(storage, clock, secrets);
    }

    @Override
    public List<String> unauthenticatedPaths() {
        return List.of("login", "oidc/auth_url", "oidc/callback");
    }

    @Override
    public Optional<Boolean> exists(Request request) {
        String p = request.relativePathTrimmed();
        if (p.startsWith(ROLE) && p.length() > ROLE.length()) {
            String name = p.substring(ROLE.length());
            if (name.contains("/")) return Optional.empty();
            return Optional.of(storage.get(ROLE + name).isPresent());
        }
        if (p.equals(CONFIG)) return Optional.of(storage.get(CONFIG).isPresent());
        return Optional.empty();
    }

    @Override
    public Response handle(Request request) {
        String path = request.relativePathTrimmed();
        Operation op = request.operation();
        boolean write = op == Operation.CREATE || op == Operation.UPDATE;
        switch (path) {
            case "login":
                if (!write) throw KeyhavenException.unsupported(op, path);
                return login(request);
            case "config":
                if (op == Operation.READ) return readConfig();
                if (write) return writeConfig(request);
                throw KeyhavenException.unsupported(op, path);
            case "role":
                if (op != Operation.LIST) throw KeyhavenException.unsupported(op, path);
                return listRoles();
            case "oidc/auth_url", "oidc/callback":
                throw KeyhavenException.badRequest("the browser OIDC flow (oidc/auth_url, oidc/callback) is not supported by this server; "
                        + "use a role with role_type \"jwt\" and log in at " + mountPath + "login with role and jwt");
            default:
                break;
        }
        if (path.startsWith(ROLE)) {
            String name = Fields.segmentName("role", path.substring(ROLE.length()));
            return switch (op) {
                case READ -> Response.of(role(name).orElseThrow(KeyhavenException::notFound).toWire());
                case CREATE, UPDATE -> writeRole(name, request.data());
                case DELETE -> {
                    storage.delete(ROLE + name);
                    yield Response.empty();
                }
                default -> throw KeyhavenException.unsupported(op, path);
            };
        }
        throw new KeyhavenException(ErrorCode.NOT_FOUND, "unsupported path");
    }

    // ------------------------------------------------------------------ config

    private Response readConfig() {
        Loaded l = load().orElseThrow(KeyhavenException::notFound);
        return Response.of(l.config().toWire());
    }

    private Response writeConfig(Request request) {
        // A config write replaces the whole config, as Vault's does (switching key source needs no clean-up).
        JwtConfig next = JwtConfig.parse(request.data(), JwtConfig.EMPTY);
        List<KeySet> sets = buildKeySets(next, true);
        byte[] raw = Json.write(next.toStored());
        storage.put(CONFIG, raw);
        loaded = new Loaded(raw, next, sets);
        LOG.info("{} auth method at {} configured ({})", method, mountPath, next);
        Response r = Response.empty();
        new Fields(request.data(), JwtConfig.FIELDS).unknownFieldsWarning().ifPresent(r::warning);
        if (!next.oidcClientId().isEmpty() || !next.oidcClientSecret().isEmpty()) {
            r.warning("the browser OIDC flow is not supported by this server; oidc_client_id and oidc_client_secret are stored but unused");
        }
        return r;
    }

    /** Builds (and with {@code check}, fetches once) the key sets of a config; 400 with Vault's wording on failure. */
    private List<KeySet> buildKeySets(JwtConfig c, boolean check) {
        List<KeySet> out = new ArrayList<>();
        try {
            if (!c.jwtValidationPubkeys().isEmpty()) {
                out.add(new StaticKeySet(c.jwtValidationPubkeys()));
            } else if (!c.oidcDiscoveryUrl().isEmpty()) {
                RemoteKeySet ks;
                try {
                    ks = RemoteKeySet.discovery(c.oidcDiscoveryUrl(), c.oidcDiscoveryCaPem(), clock);
                    if (check) ks.checkNow();
                } catch (Https.FetchException e) {
                    throw KeyhavenException.badRequest("error checking oidc discovery URL: " + e.getMessage());
                }
                out.add(ks);
            } else if (!c.jwksUrl().isEmpty()) {
                out.add(checkedJwks(c.jwksUrl(), c.jwksCaPem(), check));
            } else {
                for (JwtConfig.JwksPair p : c.jwksPairs()) out.add(checkedJwks(p.jwksUrl(), p.jwksCaPem(), check));
            }
        } catch (IllegalArgumentException e) {
            throw KeyhavenException.badRequest(e.getMessage());
        }
        return out;
    }

    private RemoteKeySet checkedJwks(String url, String ca, boolean check) {
        try {
            RemoteKeySet ks = RemoteKeySet.jwks(url, ca, clock);
            if (check) ks.checkNow();
            return ks;
        } catch (Https.FetchException e) {
            throw KeyhavenException.badRequest("error checking jwks URL: " + e.getMessage());
        }
    }

    private Optional<Loaded> load() {
        Optional<byte[]> raw = storage.get(CONFIG);
        if (raw.isEmpty()) {
            loaded = null;
            return Optional.empty();
        }
        Loaded l = loaded;
        if (l != null && Arrays.equals(l.raw(), raw.get())) return Optional.of(l);
        JwtConfig c = JwtConfig.fromStored(Json.parseObject(raw.get()));
        l = new Loaded(raw.get(), c, buildKeySets(c, false));
        loaded = l;
        return Optional.of(l);
    }

    // ------------------------------------------------------------------ roles

    Optional<JwtRole> role(String name) {
        return storage.get(ROLE + name).map(b -> JwtRole.fromStored(Json.parseObject(b)));
    }

    /** Vault's jwt plugin {@code pathLoginRenew}: the role named in the token's metadata, as stored now. */
    @Override
    public dev.keyhaven.core.auth.login.TokenParams renewal(dev.keyhaven.core.auth.token.TokenEntry token) {
        String name = token.meta().getOrDefault("role", "");
        if (name.isEmpty()) throw KeyhavenException.badRequest("failed to fetch role_name during renewal");
        return (validRoleName(name) ? role(name) : Optional.<JwtRole>empty())
                .orElseThrow(() -> KeyhavenException.badRequest("role " + name + " does not exist during renewal")).token();
    }

    private Response writeRole(String name, Map<String, Object> data) {
        JwtRole cur = role(name).orElse(JwtRole.NEW);
        JwtRole next = JwtRole.parse(data, cur);
        storage.put(ROLE + name, Json.write(next.toStored()));
        Response r = Response.empty();
        new Fields(data, JwtRole.FIELDS).unknownFieldsWarning().ifPresent(r::warning);
        next.lint().forEach(r::warning);
        return r;
    }

    private Response listRoles() {
        List<String> keys = new ArrayList<>();
        for (String k : storage.list(ROLE)) if (!k.endsWith("/")) keys.add(k);
        if (keys.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(Response.map("keys", keys));
    }

    // ------------------------------------------------------------------ login

    private Response login(Request request) {
        Map<String, Object> data = request.data();
        String roleName = data.get("role") instanceof String s ? s.strip() : "";
        String jwt = data.get("jwt") instanceof String s ? s : "";
        Map<String, String> audited = new LinkedHashMap<>();
        String credential = jwt.isEmpty() ? "" : secrets.auditHmac(jwt);
        try {
            Map<String, Object> auth = doLogin(request, roleName, jwt, audited);
            String resolvedRole = audited.remove("\0role");
            emit(request, resolvedRole == null ? roleName : resolvedRole, true, null, "", audited, credential, String.valueOf(auth.get("accessor")));
            return Response.empty().auth(auth);
        } catch (LoginFailure e) {
            String resolvedRole = audited.remove("\0role");
            emit(request, resolvedRole == null ? roleName : resolvedRole, false, e.failureClass(), String.join("; ", e.errors()), audited, credential, "");
            throw e;
        } catch (KeyhavenException e) {
            String resolvedRole = audited.remove("\0role");
            emit(request, resolvedRole == null ? roleName : resolvedRole, false, FailureClass.INTERNAL, String.join("; ", e.errors()), audited, credential, "");
            throw e;
        } catch (RuntimeException e) {
            String resolvedRole = audited.remove("\0role");
            emit(request, resolvedRole == null ? roleName : resolvedRole, false, FailureClass.INTERNAL, "internal error", audited, credential, "");
            LOG.error("{} login at {} failed unexpectedly: {}", method, mountPath, e.getClass().getName());
            throw new KeyhavenException(ErrorCode.INTERNAL, "internal error during login");
        }
    }

    private Map<String, Object> doLogin(Request request, String requestedRole, String jwt, Map<String, String> audited) {
        Loaded l = load().orElseThrow(() -> LoginFailure.badRequest(FailureClass.CONFIG, "could not load configuration"));
        String roleName = requestedRole.isEmpty() ? l.config().defaultRole() : requestedRole;
        if (roleName.isEmpty()) throw LoginFailure.badRequest(FailureClass.MISSING_INPUT, "missing role");
        audited.put("\0role", roleName);
        Optional<JwtRole> maybe = validRoleName(roleName) ? role(roleName) : Optional.empty();
        JwtRole role = maybe.orElseThrow(() -> LoginFailure.badRequest(FailureClass.ROLE, "role \"" + JwtConfig.printable(roleName) + "\" could not be found"));
        if (!role.isJwt()) throw LoginFailure.badRequest(FailureClass.ROLE, "role with oidc role_type is not allowed");
        if (jwt.isEmpty()) throw LoginFailure.badRequest(FailureClass.MISSING_INPUT, "missing token");
        if (!role.token().boundCidrs().isEmpty() && !Cidrs.contains(role.token().boundCidrs(), request.remoteAddress())) {
            throw LoginFailure.permissionDenied(FailureClass.CIDR);
        }
        JWSObject jws = JwtValidator.parse(jwt);
        JwtValidator.Expected expected = new JwtValidator.Expected(l.config().boundIssuer(), role.boundSubject(), role.boundAudiences(),
                l.config().allowedAlgs(), role.clockSkewLeeway(), role.expirationLeeway(), role.notBeforeLeeway(), clock.instant());
        Map<String, Object> claims;
        try {
            claims = JwtValidator.validate(jws, l.keySets(), expected).claims();
        } catch (LoginFailure f) {
            if (f.failureClass() != FailureClass.SIGNATURE && f.failureClass() != FailureClass.CONFIG) {
                // The signature was good: the claims are authentic and worth auditing.
                auditClaims(verifiedClaimsOrEmpty(jws), audited);
            }
            throw f;
        }
        auditClaims(claims, audited);
        // Strict audience: an audience in the token needs audiences bound on the role.
        if (role.boundAudiences().isEmpty() && !JwtValidator.audiences(claims.get("aud")).isEmpty()) {
            throw LoginFailure.badRequest(FailureClass.AUDIENCE, "audience claim found in JWT but no audiences bound to the role");
        }
        // User claim → alias and display name.
        Object userRaw = role.userClaimJsonPointer() ? Claims.get(claims, role.userClaim()) : claims.get(role.userClaim());
        if (userRaw == null) throw LoginFailure.badRequest(FailureClass.CLAIMS, "claim \"" + JwtConfig.printable(role.userClaim()) + "\" not found in token");
        if (!(userRaw instanceof String user)) {
            throw LoginFailure.badRequest(FailureClass.CLAIMS, "claim \"" + JwtConfig.printable(role.userClaim()) + "\" could not be converted to string");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, String> m : role.claimMappings().entrySet()) {
            Object v = Claims.get(claims, m.getKey());
            if (v == null) continue;
            String text = Claims.text(v);
            if (text == null) throw LoginFailure.badRequest(FailureClass.CLAIMS, "error converting claim '" + JwtConfig.printable(m.getKey()) + "' to string");
            metadata.put(m.getValue(), text.length() > 1024 ? text.substring(0, 1024) : text);
        }
        if (!role.groupsClaim().isEmpty()) {
            Object g = Claims.get(claims, role.groupsClaim());
            if (g == null) throw LoginFailure.badRequest(FailureClass.CLAIMS, "claim \"" + JwtConfig.printable(role.groupsClaim()) + "\" not found in token");
            if (!(g instanceof List<?>) && !(g instanceof String)) {
                throw LoginFailure.badRequest(FailureClass.CLAIMS, "claim \"" + JwtConfig.printable(role.groupsClaim()) + "\" could not be converted to string list");
            }
        }
        // bound_claims.
        boolean glob = role.boundClaimsType().equals("glob");
        for (Map.Entry<String, Object> b : role.boundClaims().entrySet()) {
            Object actual = Claims.get(claims, b.getKey());
            if (actual == null) throw claimsError("claim \"" + JwtConfig.printable(b.getKey()) + "\" is missing");
            if (!Claims.comparable(actual)) throw claimsError("received claim is not a string or list: \"" + JwtConfig.printable(b.getKey()) + "\"");
            if (!Claims.matchAny(JwtRole.asList(b.getValue()), actual, glob)) {
                throw claimsError("claim \"" + JwtConfig.printable(b.getKey()) + "\" does not match any associated bound claim values");
            }
        }
        // Keyhaven additions: required_claims, deny_claims, jti replay.
        for (String rc : role.requiredClaims()) {
            if (Claims.get(claims, rc) == null) throw claimsError("claim \"" + JwtConfig.printable(rc) + "\" is missing");
        }
        for (Map.Entry<String, Object> d : role.denyClaims().entrySet()) {
            Object actual = Claims.get(claims, d.getKey());
            if (actual != null && Claims.comparable(actual) && Claims.matchAny(JwtRole.asList(d.getValue()), actual, false)) {
                throw claimsError("claim \"" + JwtConfig.printable(d.getKey()) + "\" has a value denied by the role");
            }
        }
        if (role.jtiReplayProtection()) {
            Object jti = claims.get("jti");
            if (!(jti instanceof String j) || j.isEmpty()) {
                throw LoginFailure.badRequest(FailureClass.REPLAY, "token has no jti claim, which this role requires (jti_replay_protection)");
            }
            String iss = claims.get("iss") instanceof String s ? s : "";
            long keepUntil = JwtValidator.effectiveExpiry(claims, role.expirationLeeway())
                    + JwtValidator.leeway(role.clockSkewLeeway(), JwtValidator.DEFAULT_CLOCK_SKEW) + 1;
            if (!jtis.claim(iss, j, keepUntil)) throw LoginFailure.badRequest(FailureClass.REPLAY, "token already used");
            try {
                jtis.maybeSweep();
            } catch (RuntimeException e) {
                LOG.warn("sweeping used JWT IDs failed: {}", e.getClass().getSimpleName());
            }
        }
        metadata.put("role", roleName);
        return issuer.issue(role.token().loginSpec(mountPath, metadata, user, user));
    }

    private static LoginFailure claimsError(String message) {
        return LoginFailure.badRequest(FailureClass.CLAIMS, "error validating claims: " + message);
    }

    private static boolean validRoleName(String name) {
        try {
            Fields.segmentName("role", name);
            return true;
        } catch (KeyhavenException e) {
            return false;
        }
    }

    /** The payload of a token whose signature verified (only called after verification succeeded). */
    private static Map<String, Object> verifiedClaimsOrEmpty(JWSObject jws) {
        try {
            return Json.parseObject(jws.getPayload().toBytes());
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static void auditClaims(Map<String, Object> claims, Map<String, String> out) {
        for (String c : AUDITED_CLAIMS) {
            Object v = claims.get(c);
            String t = c.equals("aud") ? String.join(",", JwtValidator.audiences(v)) : Claims.text(v);
            if (t == null || t.isEmpty()) continue;
            out.put(c, t.length() > 256 ? t.substring(0, 256) : t);
        }
    }

    private void emit(Request request, String role, boolean success, FailureClass fc, String error, Map<String, String> claims, String credential,
                      String accessor) {
        try {
            events.onLogin(new LoginAttempt(clock.instant(), method, mountPath, role, success, Optional.ofNullable(fc), error, claims, credential,
                    request.remoteAddress(), accessor));
        } catch (RuntimeException e) {
            LOG.warn("login event sink failed: {}", e.getClass().getSimpleName());
        }
    }
}
