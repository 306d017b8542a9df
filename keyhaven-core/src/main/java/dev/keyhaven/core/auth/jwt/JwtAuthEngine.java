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
 * defaults, order of checks and error strings, and the browser OIDC flow ({@code oidc/auth_url}, {@code oidc/callback};
 * authorization code with PKCE, see {@link OidcFlow}) for {@code oidc} roles.
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
    private final OidcFlow oidc;
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
        this.oidc = new OidcFlow(clock);
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
            case "oidc/auth_url":
                if (!write) throw KeyhavenException.unsupported(op, path);
                return authUrl(request);
            case "oidc/callback":
                // GET from the vault CLI (and browsers); POST is what form_post would use
                if (op != Operation.READ && !write) throw KeyhavenException.unsupported(op, path);
                return callback(request);
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
        if ((!next.oidcClientId().isEmpty() || !next.oidcClientSecret().isEmpty()) && !OidcFlow.configured(next)) {
            r.warning("the browser OIDC flow needs oidc_discovery_url, oidc_client_id and oidc_client_secret together; until then oidc/auth_url refuses");
        }
        if (OidcFlow.configured(next) && !unsupportedOidcMode(next).isEmpty()) r.warning(unsupportedOidcMode(next));
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
        return attempt(request, roleName, jwt.isEmpty() ? "" : secrets.auditHmac(jwt), audited -> doLogin(request, roleName, jwt, audited));
    }

    /**
     * Runs a login and reports it as a login event either way (role, outcome, failure class, audited claims, the
     * credential's HMAC, the accessor); {@code body} may put the resolved role under {@code "\0role"}.
     */
    private Response attempt(Request request, String roleName, String credential, java.util.function.Function<Map<String, String>, Map<String, Object>> body) {
        Map<String, String> audited = new LinkedHashMap<>();
        try {
            Map<String, Object> auth = body.apply(audited);
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
        return issueFor(roleName, role, claims);
    }

    /**
     * The part of a login shared by {@code login} and the OIDC callback, once the token's signature and standard
     * claims are good: user claim, claim mappings, groups claim, bound claims, Keyhaven's required/deny claims and jti
     * replay protection; then the token.
     */
    private Map<String, Object> issueFor(String roleName, JwtRole role, Map<String, Object> claims) {
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

    // ------------------------------------------------------------------ OIDC browser flow

    /** What this server's OIDC flow cannot do with a config (form_post, implicit id_token), or "". */
    private static String unsupportedOidcMode(JwtConfig c) {
        boolean formPost = c.oidcResponseMode().equals("form_post");
        boolean implicit = c.oidcResponseTypes().contains("id_token");
        if (!formPost && !implicit) return "";
        return "oidc_response_mode \"form_post\" and oidc_response_types \"id_token\" are not supported by this server: "
                + "only the authorization code flow (response mode \"query\", response type \"code\")";
    }

    /** Vault's {@code oidc/auth_url}: {@code role} (or the default role), {@code redirect_uri}, optional {@code client_nonce}. */
    private Response authUrl(Request request) {
        Map<String, Object> data = request.data();
        Loaded l = load().orElseThrow(() -> KeyhavenException.badRequest("could not load configuration"));
        if (!OidcFlow.configured(l.config())) throw KeyhavenException.badRequest("OIDC login is not configured for this mount");
        String unsupported = unsupportedOidcMode(l.config());
        if (!unsupported.isEmpty()) throw KeyhavenException.badRequest(unsupported);
        String requested = data.get("role") instanceof String s ? s.strip() : "";
        String roleName = requested.isEmpty() ? l.config().defaultRole() : requested;
        if (roleName.isEmpty()) throw KeyhavenException.badRequest("missing role");
        String redirectUri = data.get("redirect_uri") instanceof String s ? s.strip() : "";
        if (redirectUri.isEmpty()) throw KeyhavenException.badRequest("missing redirect_uri");
        String clientNonce = data.get("client_nonce") instanceof String s ? s : "";
        JwtRole role = (validRoleName(roleName) ? role(roleName) : Optional.<JwtRole>empty())
                .orElseThrow(() -> KeyhavenException.badRequest("role \"" + JwtConfig.printable(roleName) + "\" could not be found"));
        if (role.isJwt()) throw KeyhavenException.badRequest("role with jwt role_type is not allowed");
        if (!OidcFlow.validRedirect(redirectUri, role.allowedRedirectUris())) {
            // Vault answers with an empty auth_url (the CLI then names the role and redirect_uri); the warning says why
            LOG.warn("{} auth_url at {}: unauthorized redirect_uri {} for role {}", method, mountPath, JwtConfig.printable(redirectUri), JwtConfig.printable(roleName));
            Response r = Response.of(Response.map("auth_url", ""));
            r.warning("unauthorized redirect_uri: " + JwtConfig.printable(redirectUri));
            return r;
        }
        try {
            return Response.of(Response.map("auth_url", oidc.authUrl(l.config(), roleName, role, redirectUri, clientNonce)));
        } catch (Https.FetchException e) {
            throw KeyhavenException.badRequest("error checking oidc discovery URL: " + e.getMessage());
        }
    }

    /** Vault's {@code oidc/callback}: {@code state}, {@code code}, {@code client_nonce} (query or form). */
    private Response callback(Request request) {
        Map<String, Object> data = request.data();
        String state = data.get("state") instanceof String s ? s : "";
        String code = data.get("code") instanceof String s ? s : "";
        String clientNonce = data.get("client_nonce") instanceof String s ? s : "";
        return attempt(request, "", code.isEmpty() ? "" : secrets.auditHmac(code), audited -> {
            Loaded l = load().orElseThrow(() -> LoginFailure.badRequest(FailureClass.CONFIG, "could not load configuration"));
            OidcFlow.Pending p = oidc.take(state)
                    .orElseThrow(() -> LoginFailure.badRequest(FailureClass.MISSING_INPUT, OidcFlow.LOGIN_FAILED + " Expired or missing OAuth state."));
            audited.put("\0role", p.role());
            if (!p.clientNonce().isEmpty() && !java.security.MessageDigest.isEqual(p.clientNonce().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    clientNonce.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                throw LoginFailure.badRequest(FailureClass.CREDENTIALS, "invalid client_nonce");
            }
            JwtRole role = role(p.role()).orElseThrow(() -> LoginFailure.badRequest(FailureClass.ROLE, OidcFlow.LOGIN_FAILED + " Role could not be found"));
            if (!role.token().boundCidrs().isEmpty() && !Cidrs.contains(role.token().boundCidrs(), request.remoteAddress())) {
                throw LoginFailure.permissionDenied(FailureClass.CIDR);
            }
            if (code.isEmpty() || code.equals("noauth")) throw LoginFailure.badRequest(FailureClass.MISSING_INPUT, OidcFlow.LOGIN_FAILED + " No code or id_token received.");
            Map<String, Object> claims = oidc.exchange(l.config(), l.keySets(), role, p, code);
            auditClaims(claims, audited);
            if (!role.boundSubject().isEmpty() && !role.boundSubject().equals(claims.get("sub"))) throw claimsError("sub claim does not match bound subject");
            return issueFor(p.role(), role, claims);
        });
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
