package dev.keyhaven.client.transit;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Verifies compact JWS tokens (JWTs) against a published key ring, e.g. Keyhaven's
 * {@code GET /v1/<mount>/jwks/<name>}. Keys are cached by {@code kid}; a token with an unknown {@code kid} triggers
 * a refetch at most once per {@code refetchInterval} (30 s by default), so a rotation is picked up on the first
 * token signed with the new version, and a flood of bogus kids cannot hammer the server. The cache is also
 * refreshed after {@code maxAge} so trimmed versions stop verifying. JDK crypto only; thread-safe.
 *
 * <p>Accepted algorithms: EdDSA (Ed25519), ES256/384/512, RS256/384/512, PS256/384/512; never {@code none}, never
 * HMAC. A JWK that names an {@code alg} only verifies tokens of that algorithm. {@code exp} and {@code nbf} are
 * enforced with a leeway (60 s by default).
 */
public final class JwksVerifier {
    private final URI jwksUri;
    private final HttpClient http;
    private final Clock clock;
    private final Duration leeway;
    private final Duration refetchInterval;
    private final Duration maxAge;
    private final Duration timeout;
    private final Object fetchLock = new Object();
    private volatile Map<String, CachedKey> keys = Map.of();
    private volatile Instant fetchedAt;

    private record CachedKey(String kid, String alg, String kty, PublicKey key) {}

    private JwksVerifier(Builder b) {
        this.jwksUri = b.jwksUri;
        this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.timeout).build();
        this.clock = b.clock;
        this.leeway = b.leeway;
        this.refetchInterval = b.refetchInterval;
        this.maxAge = b.maxAge;
        this.timeout = b.timeout;
    }

    /** For a JWKS at any URL. */
    public static Builder builder(URI jwksUri) {
        return new Builder(jwksUri);
    }

    /** For a Keyhaven transit key ring: {@code <address>/v1/<mount>/jwks/<keyName>}. */
    public static Builder forTransitKey(URI address, String mount, String keyName) {
        String a = address.toString();
        if (a.endsWith("/")) a = a.substring(0, a.length() - 1);
        return new Builder(URI.create(a + "/v1/" + Transit.trimSlashes(mount) + "/jwks/" + keyName));
    }

    /** Verifies the token's signature with the key ring and checks exp/nbf; returns its header and claims. */
    public VerifiedJwt verify(String token) {
        if (token == null) throw new JwtVerificationException("no token");
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) throw new JwtVerificationException("not a compact JWS (expected three dot-separated parts)");
        Map<String, Object> header = jsonPart(parts[0], "header");
        Map<String, Object> claims = jsonPart(parts[1], "payload");
        if (!(header.get("alg") instanceof String alg)) throw new JwtVerificationException("token header has no alg");
        if (!(header.get("kid") instanceof String kid)) throw new JwtVerificationException("token header has no kid");
        if (header.containsKey("crit")) throw new JwtVerificationException("token has critical header parameters this verifier does not understand");
        CachedKey key = lookup(kid);
        if (key == null) throw new JwtVerificationException("no key with kid " + kid + " in the key ring (unknown, or trimmed after rotation)");
        if (key.alg() != null && !key.alg().equals(alg)) throw new JwtVerificationException("token alg " + alg + " does not match the key's alg " + key.alg());
        byte[] sig;
        try {
            sig = Base64.getUrlDecoder().decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new JwtVerificationException("token signature is not base64url");
        }
        byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!verifySignature(alg, key, signingInput, sig)) throw new JwtVerificationException("invalid token signature");
        long now = clock.instant().getEpochSecond();
        Long exp = numericDate(claims, "exp");
        if (exp != null && now > exp + leeway.toSeconds()) throw new JwtVerificationException("token expired");
        Long nbf = numericDate(claims, "nbf");
        if (nbf != null && now + leeway.toSeconds() < nbf) throw new JwtVerificationException("token not valid yet (nbf)");
        return new VerifiedJwt(kid, alg, header, claims);
    }

    /** The kids currently cached (for diagnostics). */
    public java.util.Set<String> cachedKeyIds() {
        return keys.keySet();
    }

    private CachedKey lookup(String kid) {
        Instant now = clock.instant();
        CachedKey cached = keys.get(kid);
        Instant at = fetchedAt;
        boolean stale = at == null || !now.isBefore(at.plus(maxAge));
        if (cached != null && !stale) return cached;
        synchronized (fetchLock) {
            at = fetchedAt;
            if (at == null || !now.isBefore(at.plus(refetchInterval))) {
                try {
                    fetch(now);
                } catch (JwtVerificationException e) {
                    if (cached == null) throw e;
                    return cached; // a known key stays usable while the JWKS endpoint is unreachable
                }
            }
        }
        return keys.get(kid);
    }

    private void fetch(Instant now) {
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(jwksUri).timeout(timeout).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            fetchedAt = now;
            throw new JwtVerificationException("could not fetch the JWKS from " + jwksUri + ": " + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JwtVerificationException("interrupted while fetching the JWKS", e);
        }
        fetchedAt = now;
        if (r.statusCode() != 200) throw new JwtVerificationException("JWKS fetch from " + jwksUri + " answered " + r.statusCode());
        Map<String, CachedKey> parsed = new HashMap<>();
        try {
            Object ks = MiniJson.parseObject(r.body()).get("keys");
            if (!(ks instanceof List<?> list)) throw new JwtVerificationException("JWKS has no keys array");
            for (Object o : list) {
                if (!(o instanceof Map<?, ?> jwk)) continue;
                CachedKey k = toKey(jwk);
                if (k != null) parsed.put(k.kid(), k);
            }
        } catch (IllegalArgumentException e) {
            throw new JwtVerificationException("JWKS from " + jwksUri + " is not valid JSON");
        }
        keys = Map.copyOf(parsed);
    }

    private static CachedKey toKey(Map<?, ?> jwk) {
        if (!(jwk.get("kid") instanceof String kid) || !(jwk.get("kty") instanceof String kty)) return null;
        if (jwk.get("use") != null && !"sig".equals(jwk.get("use"))) return null;
        String alg = jwk.get("alg") instanceof String a ? a : null;
        try {
            PublicKey key = switch (kty) {
                case "RSA" -> KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(uint(jwk, "n"), uint(jwk, "e")));
                case "EC" -> ecKey(str(jwk, "crv"), uint(jwk, "x"), uint(jwk, "y"));
                case "OKP" -> {
                    if (!"Ed25519".equals(jwk.get("crv"))) yield null;
                    byte[] x = Base64.getUrlDecoder().decode(str(jwk, "x"));
                    if (x.length != 32) yield null;
                    byte[] spki = new byte[44];
                    byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
                    System.arraycopy(prefix, 0, spki, 0, 12);
                    System.arraycopy(x, 0, spki, 12, 32);
                    yield KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
                }
                default -> null;
            };
            return key == null ? null : new CachedKey(kid, alg, kty, key);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null; // a malformed key is skipped; tokens naming it fail as unknown
        }
    }

    private static PublicKey ecKey(String crv, BigInteger x, BigInteger y) throws GeneralSecurityException {
        String name = switch (crv) {
            case "P-256" -> "secp256r1";
            case "P-384" -> "secp384r1";
            case "P-521" -> "secp521r1";
            default -> throw new IllegalArgumentException("unsupported curve");
        };
        AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
        ap.init(new ECGenParameterSpec(name));
        ECParameterSpec spec = ap.getParameterSpec(ECParameterSpec.class);
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger rhs = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p);
        if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0 || !y.pow(2).mod(p).equals(rhs)) {
            throw new IllegalArgumentException("point not on curve");
        }
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), spec));
    }

    private static boolean verifySignature(String alg, CachedKey key, byte[] data, byte[] sig) {
        try {
            Signature s;
            switch (alg) {
                case "EdDSA" -> {
                    if (!key.kty().equals("OKP")) return false;
                    s = Signature.getInstance("Ed25519");
                }
                case "ES256", "ES384", "ES512" -> {
                    if (!key.kty().equals("EC")) return false;
                    int size = switch (alg) { case "ES256" -> 32; case "ES384" -> 48; default -> 66; };
                    int keyBits = ((java.security.interfaces.ECPublicKey) key.key()).getParams().getOrder().bitLength();
                    if ((keyBits + 7) / 8 != size || sig.length != 2 * size) return false;
                    s = Signature.getInstance("SHA" + alg.substring(2) + "withECDSAinP1363Format");
                }
                case "RS256", "RS384", "RS512" -> {
                    if (!key.kty().equals("RSA")) return false;
                    s = Signature.getInstance("SHA" + alg.substring(2) + "withRSA");
                }
                case "PS256", "PS384", "PS512" -> {
                    if (!key.kty().equals("RSA")) return false;
                    String h = "SHA-" + alg.substring(2);
                    s = Signature.getInstance("RSASSA-PSS");
                    s.setParameter(new PSSParameterSpec(h, "MGF1", new MGF1ParameterSpec(h), Integer.parseInt(alg.substring(2)) / 8, 1));
                }
                default -> {
                    return false;
                }
            }
            s.initVerify(key.key());
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static Map<String, Object> jsonPart(String b64, String what) {
        try {
            return MiniJson.parseObject(new String(Base64.getUrlDecoder().decode(b64), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new JwtVerificationException("token " + what + " is not base64url JSON object");
        }
    }

    private static Long numericDate(Map<String, Object> claims, String name) {
        Object v = claims.get(name);
        if (v == null) return null;
        if (v instanceof Number n) return n.longValue();
        throw new JwtVerificationException("claim " + name + " is not a number");
    }

    private static BigInteger uint(Map<?, ?> jwk, String field) {
        return new BigInteger(1, Base64.getUrlDecoder().decode(str(jwk, field)));
    }

    private static String str(Map<?, ?> jwk, String field) {
        if (!(jwk.get(field) instanceof String s)) throw new IllegalArgumentException("missing " + field);
        return s;
    }

    @Override
    public String toString() {
        return "JwksVerifier[" + jwksUri + "]";
    }

    public static final class Builder {
        private final URI jwksUri;
        private HttpClient http;
        private Clock clock = Clock.systemUTC();
        private Duration leeway = Duration.ofSeconds(60);
        private Duration refetchInterval = Duration.ofSeconds(30);
        private Duration maxAge = Duration.ofMinutes(5);
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(URI jwksUri) {
            this.jwksUri = Objects.requireNonNull(jwksUri, "jwksUri");
        }

        public Builder httpClient(HttpClient http) { this.http = Objects.requireNonNull(http); return this; }
        public Builder clock(Clock clock) { this.clock = Objects.requireNonNull(clock); return this; }
        /** Allowed clock skew for exp and nbf. */
        public Builder leeway(Duration leeway) { this.leeway = Objects.requireNonNull(leeway); return this; }
        /** Minimum time between two fetches caused by unknown kids (default 30 s). */
        public Builder refetchInterval(Duration d) { this.refetchInterval = Objects.requireNonNull(d); return this; }
        /** Cached keys older than this are refreshed on the next verification (default 5 min). */
        public Builder maxAge(Duration d) { this.maxAge = Objects.requireNonNull(d); return this; }
        public Builder timeout(Duration d) { this.timeout = Objects.requireNonNull(d); return this; }
        public JwksVerifier build() { return new JwksVerifier(this); }
    }
}
