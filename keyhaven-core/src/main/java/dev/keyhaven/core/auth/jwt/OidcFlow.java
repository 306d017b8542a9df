package dev.keyhaven.core.auth.jwt;

import com.nimbusds.jose.JWSObject;
import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.auth.login.LoginFailure;
import dev.keyhaven.core.util.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The browser half of Vault's OIDC method: {@code oidc/auth_url} starts an authorization-code login with PKCE
 * (S256), a fresh {@code state} and {@code nonce}; {@code oidc/callback} takes the code back, exchanges it at the
 * provider's token endpoint (client secret by HTTP Basic) and returns the verified ID token's claims. Pending logins
 * live in memory for ten minutes and are used once, as in Vault (a restart or another node cannot finish a login that
 * this node started).
 */
final class OidcFlow {
    static final Duration PENDING_FOR = Duration.ofMinutes(10);
    static final int MAX_PENDING = 10_000;
    static final String LOGIN_FAILED = "Vault login failed.";
    private static final Duration ENDPOINTS_FOR = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A started login, found again by its {@code state}. */
    record Pending(String role, String redirectUri, String nonce, String codeVerifier, String clientNonce, Instant expires) {}

    /** The provider's endpoints from its discovery document. */
    record Endpoints(String issuer, URI authorization, URI token, Instant fetched) {}

    private final Clock clock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private volatile Endpoints endpoints;
    private volatile String endpointsFor = "";
    private volatile HttpClient client;
    private volatile String clientFor;

    OidcFlow(Clock clock) {
        this.clock = clock;
    }

    /** Whether a config can run the browser flow (Vault's OIDCFlow auth type): discovery URL, client ID and secret. */
    static boolean configured(JwtConfig c) {
        return !c.oidcDiscoveryUrl().isEmpty() && !c.oidcClientId().isEmpty() && !c.oidcClientSecret().isEmpty();
    }

    /**
     * Vault's {@code validRedirect}: an exact match, except that for a loopback host ({@code localhost},
     * {@code 127.0.0.1}, {@code ::1}) the port is ignored, as RFC 8252 asks for native apps such as the vault CLI.
     */
    static boolean validRedirect(String uri, List<String> allowed) {
        Optional<URI> in = parse(uri);
        if (in.isEmpty()) return false;
        String host = in.get().getHost() == null ? "" : in.get().getHost();
        if (!List.of("localhost", "127.0.0.1", "[::1]", "::1").contains(host)) return allowed.contains(uri);
        String bare = withoutPort(in.get());
        for (String a : allowed) {
            Optional<URI> au = parse(a);
            if (au.isEmpty()) return false;
            if (bare.equals(withoutPort(au.get()))) return true;
        }
        return false;
    }

    private static Optional<URI> parse(String s) {
        try {
            return Optional.of(new URI(s));
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static String withoutPort(URI u) {
        try {
            return new URI(u.getScheme(), u.getUserInfo(), u.getHost(), -1, u.getPath(), u.getQuery(), u.getFragment()).toString();
        } catch (java.net.URISyntaxException e) {
            return u.toString();
        }
    }

    /** Starts a login: remembers it under a new state and returns the provider's authorization URL. */
    String authUrl(JwtConfig config, String roleName, JwtRole role, String redirectUri, String clientNonce) throws Https.FetchException {
        Endpoints e = endpoints(config);
        String state = "st_" + random(24);
        String nonce = "n_" + random(24);
        String verifier = random(48); // 64 characters of [A-Za-z0-9_-], within RFC 7636's 43..128
        purge();
        if (pending.size() >= MAX_PENDING) evictOldest();
        pending.put(state, new Pending(roleName, redirectUri, nonce, verifier, clientNonce, clock.instant().plus(PENDING_FOR)));
        LinkedHashSet<String> scopes = new LinkedHashSet<>();
        scopes.add("openid");
        scopes.addAll(role.oidcScopes());
        TreeMap<String, String> q = new TreeMap<>(); // sorted, as Go's url.Values encodes them
        q.put("client_id", config.oidcClientId());
        q.put("code_challenge", Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier)));
        q.put("code_challenge_method", "S256");
        q.put("nonce", nonce);
        q.put("redirect_uri", redirectUri);
        q.put("response_type", "code");
        q.put("scope", String.join(" ", scopes));
        q.put("state", state);
        if (role.maxAge() > 0) q.put("max_age", Long.toString(role.maxAge()));
        StringBuilder url = new StringBuilder(e.authorization().toString());
        url.append(e.authorization().getRawQuery() == null ? '?' : '&');
        boolean first = true;
        for (Map.Entry<String, String> kv : q.entrySet()) {
            if (!first) url.append('&');
            first = false;
            url.append(URLEncoder.encode(kv.getKey(), StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(kv.getValue(), StandardCharsets.UTF_8));
        }
        return url.toString();
    }

    /** The pending login for {@code state}, removed (a state is good for one callback), if it has not expired. */
    Optional<Pending> take(String state) {
        if (state.isEmpty()) return Optional.empty();
        Pending p = pending.remove(state);
        if (p == null || !clock.instant().isBefore(p.expires())) return Optional.empty();
        return Optional.of(p);
    }

    /**
     * Exchanges the code at the token endpoint and verifies the ID token: signature against the config's key sets
     * (the provider's JWKS), algorithm, issuer, audience (this client, and one of the role's {@code bound_audiences}
     * when set), {@code azp} with several audiences, expiry, the nonce of this login, and {@code auth_time} against
     * the role's {@code max_age}. Returns the claims; failures are 400s in Vault's words.
     */
    Map<String, Object> exchange(JwtConfig config, List<KeySet> keySets, JwtRole role, Pending p, String code) {
        Endpoints e;
        byte[] body;
        try {
            e = endpoints(config);
            String form = "grant_type=authorization_code&code=" + enc(code) + "&redirect_uri=" + enc(p.redirectUri()) + "&code_verifier="
                    + enc(p.codeVerifier()) + "&client_id=" + enc(config.oidcClientId());
            String basic = "Basic " + Base64.getEncoder().encodeToString((enc(config.oidcClientId()) + ":" + enc(config.oidcClientSecret()))
                    .getBytes(StandardCharsets.UTF_8));
            body = Https.postForm(client(config), e.token(), form, basic);
        } catch (Https.FetchException ex) {
            throw exchangeFailed(FailureClass.CONFIG, ex.getMessage());
        }
        Map<String, Object> tokenResponse;
        try {
            tokenResponse = Json.parseObject(body);
        } catch (RuntimeException ex) {
            throw exchangeFailed(FailureClass.CONFIG, "the token endpoint's response is not a JSON object");
        }
        if (!(tokenResponse.get("id_token") instanceof String idToken) || idToken.isEmpty()) {
            throw exchangeFailed(FailureClass.CONFIG, "id_token is missing from auth code exchange");
        }
        JWSObject jws;
        Map<String, Object> claims;
        List<String> audiences = role.boundAudiences().isEmpty() ? List.of(config.oidcClientId()) : role.boundAudiences();
        List<String> algs = config.jwtSupportedAlgs().isEmpty() ? List.of("RS256") : config.jwtSupportedAlgs();
        try {
            jws = JwtValidator.parse(idToken);
            claims = JwtValidator.validate(jws, keySets, new JwtValidator.Expected(e.issuer(), "", audiences, algs, 0, 0, 0, clock.instant())).claims();
        } catch (LoginFailure f) {
            throw exchangeFailed(f.failureClass(), String.join("; ", f.errors()));
        }
        List<String> aud = JwtValidator.audiences(claims.get("aud"));
        if (!aud.contains(config.oidcClientId())) {
            throw exchangeFailed(FailureClass.AUDIENCE, "invalid id_token: the audience (aud) does not include this client");
        }
        if (aud.size() > 1 && !(claims.get("azp") instanceof String azp && azp.equals(config.oidcClientId()))) {
            throw exchangeFailed(FailureClass.AUDIENCE, "invalid id_token: authorized party (azp) is not this client");
        }
        if (!(claims.get("nonce") instanceof String n) || !MessageDigest.isEqual(n.getBytes(StandardCharsets.UTF_8), p.nonce().getBytes(StandardCharsets.UTF_8))) {
            throw exchangeFailed(FailureClass.CLAIMS, "invalid id_token nonce");
        }
        if (role.maxAge() > 0) {
            if (!(claims.get("auth_time") instanceof Number at)) throw exchangeFailed(FailureClass.CLAIMS, "invalid id_token: auth_time is missing and max_age is set");
            long age = clock.instant().getEpochSecond() - at.longValue();
            if (age > role.maxAge() + JwtValidator.DEFAULT_CLOCK_SKEW) {
                throw exchangeFailed(FailureClass.EXPIRED, "invalid id_token: the login (auth_time) is older than max_age");
            }
        }
        return claims;
    }

    private static LoginFailure exchangeFailed(FailureClass fc, String why) {
        return LoginFailure.badRequest(fc, LOGIN_FAILED + " Error exchanging oidc code: \"" + why + "\".");
    }

    /** The discovery document's endpoints, fetched at most hourly (and again when the config's discovery URL changes). */
    private Endpoints endpoints(JwtConfig config) throws Https.FetchException {
        Endpoints e = endpoints;
        String key = config.oidcDiscoveryUrl() + "\n" + config.oidcDiscoveryCaPem();
        if (e != null && key.equals(endpointsFor) && clock.instant().isBefore(e.fetched().plus(ENDPOINTS_FOR))) return e;
        Map<String, Object> m = Https.discovery(client(config), config.oidcDiscoveryUrl());
        String issuer = config.oidcDiscoveryUrl();
        if (!(m.get("authorization_endpoint") instanceof String authz) || authz.isBlank()) {
            throw new Https.FetchException("the discovery document has no authorization_endpoint");
        }
        if (!(m.get("token_endpoint") instanceof String token) || token.isBlank()) {
            throw new Https.FetchException("the discovery document has no token_endpoint");
        }
        e = new Endpoints(issuer, Https.checkUrl(authz), Https.checkUrl(token), clock.instant());
        endpoints = e;
        endpointsFor = key;
        return e;
    }

    private HttpClient client(JwtConfig config) {
        HttpClient c = client;
        if (c != null && config.oidcDiscoveryCaPem().equals(clientFor)) return c;
        c = Https.client(config.oidcDiscoveryCaPem());
        client = c;
        clientFor = config.oidcDiscoveryCaPem();
        return c;
    }

    private void purge() {
        Instant now = clock.instant();
        pending.values().removeIf(p -> !now.isBefore(p.expires()));
    }

    private void evictOldest() {
        List<Map.Entry<String, Pending>> all = new ArrayList<>(pending.entrySet());
        all.sort((a, b) -> a.getValue().expires().compareTo(b.getValue().expires()));
        Iterator<Map.Entry<String, Pending>> it = all.iterator();
        while (pending.size() >= MAX_PENDING && it.hasNext()) pending.remove(it.next().getKey());
    }

    int pendingCount() {
        return pending.size();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
