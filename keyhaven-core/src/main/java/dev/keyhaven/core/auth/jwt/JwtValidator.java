package dev.keyhaven.core.auth.jwt;

import com.nimbusds.jose.JWSObject;
import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.auth.login.LoginFailure;
import dev.keyhaven.core.util.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Validates a compact JWS the way Vault's JWT method does (hashicorp/cap {@code jwt.Validator}): signature against
 * each key set in turn, then the header algorithm, then {@code iss}, {@code sub}, {@code aud}, then the time claims
 * with leeways. Every failure is a 400 {@code error validating token: ...} with Vault's wording.
 */
final class JwtValidator {
    static final long DEFAULT_LEEWAY = 150;
    static final long DEFAULT_CLOCK_SKEW = 60;
    static final String PREFIX = "error validating token: ";

    record Expected(String issuer, String subject, List<String> audiences, List<String> algorithms, long clockSkewLeeway,
                    long expirationLeeway, long notBeforeLeeway, Instant now) {}

    /** The claims and header of a verified token. */
    record Verified(Map<String, Object> claims, String alg, String kid) {}

    private JwtValidator() {}

    /** Parses the token's structure; a malformed token fails as a signature error (it cannot be verified). */
    static JWSObject parse(String token) {
        if (token.length() > 64 * 1024) throw fail(FailureClass.SIGNATURE, "error verifying token signature: token is too large");
        try {
            return JWSObject.parse(token.strip());
        } catch (java.text.ParseException | RuntimeException e) {
            String why = token.chars().filter(c -> c == '.').count() == 2 ? "malformed jwt" : "malformed jwt, expected 3 parts";
            if (token.split("\\.", -1).length == 3 && isUnsigned(token)) why = "token must be signed";
            throw fail(FailureClass.SIGNATURE, "error verifying token signature: " + why);
        }
    }

    private static boolean isUnsigned(String token) {
        try {
            return com.nimbusds.jose.Header.parse(com.nimbusds.jose.util.Base64URL.from(token.split("\\.", -1)[0])).getAlgorithm()
                    .equals(com.nimbusds.jose.Algorithm.NONE);
        } catch (java.text.ParseException | RuntimeException e) {
            return false;
        }
    }

    static Verified validate(JWSObject jws, List<KeySet> keySets, Expected x) {
        // 1. Signature, against each key set in turn.
        KeySet.VerifyException last = null;
        boolean ok = false;
        for (KeySet ks : keySets) {
            try {
                ks.verify(jws);
                ok = true;
                break;
            } catch (KeySet.VerifyException e) {
                last = e;
            }
        }
        if (!ok) {
            String why = last == null ? "no keys configured" : last.getMessage();
            throw fail(last != null && last.keySourceDown ? FailureClass.CONFIG : FailureClass.SIGNATURE, "error verifying token signature: " + why);
        }
        // 2. Algorithm in the header.
        String alg = jws.getHeader().getAlgorithm().getName();
        if (!x.algorithms().contains(alg)) {
            throw fail(FailureClass.SIGNATURE, "invalid algorithm (alg) header parameter: token signed with unexpected algorithm");
        }
        Map<String, Object> claims;
        try {
            claims = Json.parseObject(jws.getPayload().toBytes());
        } catch (RuntimeException e) {
            throw fail(FailureClass.SIGNATURE, "the token's claims are not a JSON object");
        }
        // 3. iss, sub, aud.
        Object iss = claims.get("iss");
        if (!x.issuer().isEmpty() && !(iss instanceof String s && s.equals(x.issuer()))) throw fail(FailureClass.ISSUER, "invalid issuer (iss) claim");
        Object sub = claims.get("sub");
        if (!x.subject().isEmpty() && !(sub instanceof String s && s.equals(x.subject()))) throw fail(FailureClass.SUBJECT, "invalid subject (sub) claim");
        if (!x.audiences().isEmpty()) {
            List<String> aud = audiences(claims.get("aud"));
            boolean match = false;
            for (String a : x.audiences()) if (aud.contains(a)) match = true;
            if (!match) throw fail(FailureClass.AUDIENCE, "invalid audience (aud) claim: audience claim does not match any expected audience");
        }
        // 4. Time claims.
        long iat = time(claims, "iat"), nbf = time(claims, "nbf"), exp = time(claims, "exp");
        if (iat == 0 && nbf == 0 && exp == 0) {
            throw fail(FailureClass.EXPIRED, "no issued at (iat), not before (nbf), or expiration time (exp) claims in token");
        }
        if (exp == 0) exp = Math.max(iat, nbf) + leeway(x.expirationLeeway(), DEFAULT_LEEWAY);
        if (nbf == 0) nbf = iat != 0 ? iat : exp - leeway(x.notBeforeLeeway(), DEFAULT_LEEWAY);
        long skew = leeway(x.clockSkewLeeway(), DEFAULT_CLOCK_SKEW);
        long now = x.now().getEpochSecond();
        if (now + skew < nbf) throw fail(FailureClass.EXPIRED, "invalid not before (nbf) claim: token not yet valid");
        if (now - skew > exp) throw fail(FailureClass.EXPIRED, "invalid expiration time (exp) claim: token is expired");
        if (iat != 0 && now + skew < iat) throw fail(FailureClass.EXPIRED, "invalid issued at (iat) claim: token issued in the future");
        return new Verified(claims, alg, jws.getHeader().getKeyID() == null ? "" : jws.getHeader().getKeyID());
    }

    /** The effective expiry (seconds) of validated claims, for replay bookkeeping. */
    static long effectiveExpiry(Map<String, Object> claims, long expirationLeeway) {
        long iat = time(claims, "iat"), nbf = time(claims, "nbf"), exp = time(claims, "exp");
        return exp != 0 ? exp : Math.max(iat, nbf) + leeway(expirationLeeway, DEFAULT_LEEWAY);
    }

    static long leeway(long configured, long dflt) {
        if (configured < 0) return 0;
        return configured == 0 ? dflt : configured;
    }

    static List<String> audiences(Object aud) {
        if (aud instanceof String s) return List.of(s);
        if (aud instanceof List<?> l) {
            java.util.ArrayList<String> out = new java.util.ArrayList<>();
            for (Object o : l) if (o instanceof String s) out.add(s);
            return out;
        }
        return List.of();
    }

    private static long time(Map<String, Object> claims, String name) {
        Object v = claims.get(name);
        if (v == null) return 0;
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Math.abs(d) > 1e15) throw fail(FailureClass.EXPIRED, "invalid " + name + " claim: not a valid NumericDate");
            return (long) d;
        }
        throw fail(FailureClass.EXPIRED, "invalid " + name + " claim: expected a number of seconds");
    }

    static LoginFailure fail(FailureClass fc, String message) {
        return LoginFailure.badRequest(fc, PREFIX + message);
    }
}
