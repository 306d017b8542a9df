package dev.keyhaven.core.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A local OIDC issuer for tests: one JDK HTTPS server on 127.0.0.1 (self-signed certificate made with
 * {@code keytool} at test time) hosting any number of independent issuers under {@code /t<N>}. Each serves
 * {@code /.well-known/openid-configuration} and {@code /.well-known/jwks}, holds RSA and EC signing keys generated
 * at test time, rotates its kid on demand and mints GitHub- and GitLab-shaped tokens. No key material is committed.
 */
public final class TestIssuer {
    private static final Object LOCK = new Object();
    private static HttpsServer server;
    private static String caPem;
    private static final AtomicInteger TENANTS = new AtomicInteger();

    private final String base;
    private final String issuer;
    private final List<RSAKey> rsaKeys = new ArrayList<>();
    private volatile RSAKey rsa;
    private final ECKey ec;
    private final AtomicInteger jwksHits = new AtomicInteger();
    private volatile boolean failJwks;
    private volatile boolean hugeJwks;
    private volatile String discoveryIssuerOverride;

    private TestIssuer() throws Exception {
        ensureServer();
        base = "/t" + TENANTS.incrementAndGet();
        issuer = "https://127.0.0.1:" + server.getAddress().getPort() + base;
        rsa = new RSAKeyGenerator(2048).keyID("rsa-" + UUID.randomUUID()).keyUse(KeyUse.SIGNATURE).generate();
        rsaKeys.add(rsa);
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-" + UUID.randomUUID()).keyUse(KeyUse.SIGNATURE).generate();
        server.createContext(base + "/.well-known/openid-configuration", this::discovery);
        server.createContext(base + "/.well-known/jwks", this::jwks);
        server.createContext(base + "/authorize", this::authorize);
        server.createContext(base + "/token", this::token);
    }

    // ------------------------------------------------------------------ a minimal OIDC provider (authorization code + PKCE)

    /** What the provider's login page would establish: the signed-in user's claims (sub, email, groups ...). */
    private volatile Map<String, Object> signedIn = Map.of("sub", "user-1");
    private volatile String clientId = "";
    private volatile String clientSecret = "";
    private volatile java.util.function.UnaryOperator<Map<String, Object>> idTokenTweak = c -> c;
    private final Map<String, Map<String, String>> codes = new java.util.concurrent.ConcurrentHashMap<>();
    /** The last authorization request's query parameters (what the "browser" brought). */
    public volatile Map<String, String> lastAuthorize = Map.of();
    /** The last token request's form fields, without the client secret. */
    public volatile Map<String, String> lastTokenRequest = Map.of();

    /** Registers the one client this provider knows. */
    public void oidcClient(String id, String secret) {
        this.clientId = id;
        this.clientSecret = secret;
    }

    /** The user the next authorization request signs in as (claims besides iss/aud/nonce/iat/exp). */
    public void signIn(Map<String, Object> claims) {
        this.signedIn = Map.copyOf(claims);
    }

    /** Changes the ID tokens the token endpoint issues (wrong nonce, audience, expiry ...). */
    public void tweakIdToken(java.util.function.UnaryOperator<Map<String, Object>> tweak) {
        this.idTokenTweak = tweak;
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = form(ex.getRequestURI().getRawQuery());
        lastAuthorize = q;
        if (!q.getOrDefault("client_id", "").equals(clientId) || !"code".equals(q.get("response_type"))) {
            respond(ex, 400, "{\"error\":\"invalid_request\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String code = "code-" + UUID.randomUUID();
        Map<String, String> grant = new LinkedHashMap<>(q);
        codes.put(code, grant);
        String redirect = q.get("redirect_uri") + (q.get("redirect_uri").contains("?") ? "&" : "?") + "code=" + code + "&state="
                + java.net.URLEncoder.encode(q.getOrDefault("state", ""), StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Location", redirect);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> f = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Map<String, String> seen = new LinkedHashMap<>(f);
        seen.remove("client_secret");
        lastTokenRequest = seen;
        String basic = ex.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((java.net.URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
                + java.net.URLEncoder.encode(clientSecret, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(basic)) {
            respond(ex, 401, "{\"error\":\"invalid_client\",\"error_description\":\"client authentication failed\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        Map<String, String> grant = codes.remove(f.getOrDefault("code", ""));
        String verifier = f.getOrDefault("code_verifier", "");
        String challenge = Base64URL.encode(sha256(verifier)).toString();
        if (!"authorization_code".equals(f.get("grant_type")) || grant == null || !grant.get("redirect_uri").equals(f.get("redirect_uri"))
                || !"S256".equals(grant.get("code_challenge_method")) || !challenge.equals(grant.get("code_challenge"))) {
            respond(ex, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"code is invalid, used, or does not match\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>(signedIn);
        claims.put("iss", issuer);
        claims.put("aud", clientId);
        claims.put("iat", now);
        claims.put("exp", now + 300);
        claims.put("auth_time", now);
        if (grant.get("nonce") != null) claims.put("nonce", grant.get("nonce"));
        Map<String, Object> resp = new LinkedHashMap<>();
        resp.put("access_token", "at-" + UUID.randomUUID());
        resp.put("token_type", "Bearer");
        resp.put("expires_in", 300);
        resp.put("id_token", mint(idTokenTweak.apply(claims)));
        respond(ex, 200, Json.write(resp));
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String kv : raw.split("&")) {
            int i = kv.indexOf('=');
            String k = java.net.URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            m.put(k, i < 0 ? "" : java.net.URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    public static TestIssuer start() {
        try {
            return new TestIssuer();
        } catch (Exception e) {
            throw new IllegalStateException("test issuer failed to start: " + e, e);
        }
    }

    private static void ensureServer() throws Exception {
        synchronized (LOCK) {
            if (server != null) return;
            Path dir = Files.createTempDirectory("kh-issuer");
            Path ks = dir.resolve("issuer.p12");
            byte[] pw = new byte[18];
            new SecureRandom().nextBytes(pw);
            String pass = HexFormat.of().formatHex(pw);
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "issuer",
                    "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA", "-dname", "CN=localhost", "-ext",
                    "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", pass,
                    "-keypass", pass).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) throw new IllegalStateException("keytool failed: " + new String(out, StandardCharsets.UTF_8));
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(ks)) {
                store.load(in, pass.toCharArray());
            }
            Certificate cert = store.getCertificate("issuer");
            caPem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, pass.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            Files.deleteIfExists(ks);
            Files.deleteIfExists(dir);
            HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            s.setHttpsConfigurator(new HttpsConfigurator(ctx));
            s.setExecutor(Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "test-issuer");
                t.setDaemon(true);
                return t;
            }));
            s.start();
            server = s;
        }
    }

    private void discovery(HttpExchange ex) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", discoveryIssuerOverride != null ? discoveryIssuerOverride : issuer);
        doc.put("jwks_uri", issuer + "/.well-known/jwks");
        doc.put("authorization_endpoint", issuer + "/authorize");
        doc.put("token_endpoint", issuer + "/token");
        doc.put("subject_types_supported", List.of("public", "pairwise"));
        doc.put("response_types_supported", List.of("id_token"));
        doc.put("claims_supported", List.of("sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "repository_id",
                "repository_owner", "repository_owner_id", "run_id", "sha", "environment", "event_name", "job_workflow_ref", "workflow_ref"));
        doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
        respond(ex, 200, Json.write(doc));
    }

    private void jwks(HttpExchange ex) throws IOException {
        jwksHits.incrementAndGet();
        if (failJwks) {
            respond(ex, 500, "{\"error\":\"down\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (hugeJwks) {
            byte[] big = new byte[2 * 1024 * 1024];
            java.util.Arrays.fill(big, (byte) ' ');
            respond(ex, 200, big);
            return;
        }
        List<JWK> keys = new ArrayList<>();
        synchronized (rsaKeys) {
            for (RSAKey k : rsaKeys) keys.add(k.toPublicJWK());
        }
        keys.add(ec.toPublicJWK());
        respond(ex, 200, new JWKSet(keys).toString(true).getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    public String issuerUrl() { return issuer; }
    public String jwksUrl() { return issuer + "/.well-known/jwks"; }
    public String caPem() { return caPem; }
    /** An HTTPS client that trusts this issuer's certificate and does not follow redirects (a browser, for tests). */
    public java.net.http.HttpClient trustingClient() { return Https.client(caPem); }
    public int jwksHits() { return jwksHits.get(); }
    public String currentKid() { return rsa.getKeyID(); }
    public ECKey ecKey() { return ec; }
    public void failJwks(boolean fail) { this.failJwks = fail; }
    public void hugeJwks(boolean huge) { this.hugeJwks = huge; }
    public void discoveryIssuer(String iss) { this.discoveryIssuerOverride = iss; }

    /** A new RSA signing key with a new kid; the JWKS serves it next to the old ones. */
    public void rotate() {
        try {
            RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-" + UUID.randomUUID()).keyUse(KeyUse.SIGNATURE).generate();
            synchronized (rsaKeys) {
                rsaKeys.add(next);
            }
            rsa = next;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs with the current RSA key (RS256, kid set, typ JWT). */
    public String mint(Map<String, Object> claims) {
        try {
            return sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public String mintEs256(Map<String, Object> claims) {
        try {
            return sign(new ECDSASigner(ec), new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs with a key the issuer does not publish, but claims the current kid (a forgery). */
    public String mintForged(Map<String, Object> claims) {
        try {
            RSAKey other = new RSAKeyGenerator(2048).keyID(rsa.getKeyID()).generate();
            return sign(new RSASSASigner(other), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs with a fresh key under an unpublished kid. */
    public String mintUnknownKid(Map<String, Object> claims) {
        try {
            RSAKey other = new RSAKeyGenerator(2048).keyID("unknown-" + UUID.randomUUID()).generate();
            return sign(new RSASSASigner(other), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(other.getKeyID()).build(), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HS256 "signed" with the public modulus as the secret: the classic algorithm-confusion attack. */
    public String mintHs256Confusion(Map<String, Object> claims) {
        try {
            byte[] secret = rsa.toRSAPublicKey().getEncoded();
            return sign(new MACSigner(secret), new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(rsa.getKeyID()).build(), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token ({@code alg: none}). */
    public static String mintUnsigned(Map<String, Object> claims) {
        String h = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();
        String p = Base64URL.encode(Json.write(claims)).toString();
        return h + "." + p + ".";
    }

    private static String sign(JWSSigner signer, JWSHeader header, Map<String, Object> claims) {
        try {
            JWSObject o = new JWSObject(header, new Payload(Json.write(claims)));
            o.sign(signer);
            return o.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ token shapes

    /** GitHub Actions-shaped claims for {@code owner/repo} on branch main, minted at {@code now}. */
    public Map<String, Object> github(Instant now, String ownerRepo, String audience) {
        String owner = ownerRepo.substring(0, ownerRepo.indexOf('/'));
        long t = now.getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("jti", UUID.randomUUID().toString());
        c.put("sub", "repo:" + ownerRepo + ":ref:refs/heads/main");
        c.put("aud", audience);
        c.put("ref", "refs/heads/main");
        c.put("sha", "0123456789abcdef0123456789abcdef01234567");
        c.put("repository", ownerRepo);
        c.put("repository_owner", owner);
        c.put("repository_owner_id", "1001");
        c.put("run_id", "4242");
        c.put("run_number", "7");
        c.put("run_attempt", "1");
        c.put("repository_visibility", "private");
        c.put("repository_id", "2002");
        c.put("actor_id", "3003");
        c.put("actor", "octocat");
        c.put("workflow", "Deploy");
        c.put("head_ref", "");
        c.put("base_ref", "");
        c.put("event_name", "push");
        c.put("ref_protected", "true");
        c.put("ref_type", "branch");
        c.put("workflow_ref", ownerRepo + "/.github/workflows/deploy.yml@refs/heads/main");
        c.put("workflow_sha", "0123456789abcdef0123456789abcdef01234567");
        c.put("job_workflow_ref", ownerRepo + "/.github/workflows/deploy.yml@refs/heads/main");
        c.put("job_workflow_sha", "0123456789abcdef0123456789abcdef01234567");
        c.put("runner_environment", "github-hosted");
        c.put("iss", issuer);
        c.put("nbf", t - 600);
        c.put("exp", t + 300);
        c.put("iat", t);
        return c;
    }

    /** The same job using environment {@code env}: the default sub becomes {@code repo:O/R:environment:ENV}. */
    public Map<String, Object> githubWithEnvironment(Instant now, String ownerRepo, String audience, String env) {
        Map<String, Object> c = github(now, ownerRepo, audience);
        c.put("environment", env);
        c.put("environment_node_id", "EN_" + UUID.randomUUID().toString().substring(0, 8));
        c.put("sub", "repo:" + ownerRepo + ":environment:" + env);
        return c;
    }

    /** The immutable subject shape: {@code repo:OWNER@OWNER_ID/REPO@REPO_ID:environment:ENV}. */
    public Map<String, Object> githubImmutable(Instant now, String ownerRepo, String audience, String env) {
        Map<String, Object> c = githubWithEnvironment(now, ownerRepo, audience, env);
        String owner = ownerRepo.substring(0, ownerRepo.indexOf('/'));
        String repo = ownerRepo.substring(ownerRepo.indexOf('/') + 1);
        c.put("sub", "repo:" + owner + "@" + c.get("repository_owner_id") + "/" + repo + "@" + c.get("repository_id") + ":environment:" + env);
        return c;
    }

    /** GitLab CI {@code id_tokens}-shaped claims for {@code group/project} on a protected branch main. */
    public Map<String, Object> gitlab(Instant now, String groupProject, String audience) {
        String group = groupProject.substring(0, groupProject.indexOf('/'));
        long t = now.getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("namespace_id", "72");
        c.put("namespace_path", group);
        c.put("project_id", "20");
        c.put("project_path", groupProject);
        c.put("user_id", "5");
        c.put("user_login", "dev");
        c.put("user_email", "dev@example.invalid");
        c.put("user_access_level", "maintainer");
        c.put("pipeline_id", "574");
        c.put("pipeline_source", "push");
        c.put("job_id", "302");
        c.put("ref", "main");
        c.put("ref_type", "branch");
        c.put("ref_path", "refs/heads/main");
        c.put("ref_protected", "true");
        c.put("environment", "production");
        c.put("environment_protected", "true");
        c.put("deployment_tier", "production");
        c.put("runner_id", "1");
        c.put("runner_environment", "gitlab-hosted");
        c.put("sha", "714a629c0b401fdce83e847fc9589983fc6f46bc");
        c.put("ci_config_ref_uri", "gitlab.example.invalid/" + groupProject + "//.gitlab-ci.yml@refs/heads/main");
        c.put("ci_config_sha", "714a629c0b401fdce83e847fc9589983fc6f46bc");
        c.put("jti", UUID.randomUUID().toString());
        c.put("iss", issuer);
        c.put("iat", t);
        c.put("nbf", t - 5);
        c.put("exp", t + 300);
        c.put("sub", "project_path:" + groupProject + ":ref_type:branch:ref:main");
        c.put("aud", audience);
        return c;
    }
}
