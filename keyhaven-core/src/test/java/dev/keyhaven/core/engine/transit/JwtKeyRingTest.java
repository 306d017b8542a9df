package dev.keyhaven.core.engine.transit;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JwtKeyRingTest {
    private final TransitFixture t = new TransitFixture();

    private JWKSet jwks(String key) throws Exception {
        Response r = t.read("jwks/" + key);
        assertThat(r.isRaw()).as("JWKS is rendered as the whole body, RFC 7517").isTrue();
        assertThat(r.status()).isEqualTo(200);
        return JWKSet.parse(new String(Json.write(r.raw()), StandardCharsets.UTF_8));
    }

    private String sign(String key, String body) {
        return (String) t.writeData("jwt/sign/" + key, body).get("token");
    }

    /** What a verifier holding the JWKS does: pick the key by kid, verify the signature. */
    private static boolean verifies(JWKSet set, String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        JWK jwk = set.getKeyByKeyId(jwt.getHeader().getKeyID());
        if (jwk == null) return false;
        JWSVerifier v = switch (jwk.getKeyType().getValue()) {
            case "EC" -> new ECDSAVerifier((ECKey) jwk);
            case "RSA" -> new RSASSAVerifier((RSAKey) jwk);
            default -> null;
        };
        if (v != null) return jwt.verify(v);
        // EdDSA: nimbus needs Tink for Ed25519, so verify with the JDK from the JWK's x
        byte[] x = ((OctetKeyPair) jwk).getX().decode();
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Der.concat(HexFormat.of().parseHex("302a300506032b6570032100"), x))));
        s.update(jwt.getSigningInput());
        return s.verify(jwt.getSignature().decode());
    }

    @Test
    void tokensFromBeforeAndAfterRotationVerifyThroughTheJwksUntilTrimmed() throws Exception {
        t.write("keys/issuer", "{\"type\":\"ecdsa-p256\"}");
        t.write("keys/issuer/config", "{\"jwks_published\":true}");
        String before = sign("issuer", "{\"claims\":{\"sub\":\"svc-a\",\"aud\":\"api\"}}");
        assertThat(SignedJWT.parse(before).getHeader().getKeyID()).isEqualTo("issuer:v1");
        t.write("keys/issuer/rotate", null);
        String after = sign("issuer", "{\"claims\":{\"sub\":\"svc-a\",\"aud\":\"api\"}}");
        assertThat(SignedJWT.parse(after).getHeader().getKeyID()).isEqualTo("issuer:v2");

        JWKSet ring = jwks("issuer");
        assertThat(ring.getKeys()).extracting(JWK::getKeyID).containsExactly("issuer:v1", "issuer:v2");
        assertThat(ring.getKeys()).allSatisfy(k -> {
            assertThat(k.getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
            assertThat(k.getKeyUse().identifier()).isEqualTo("sig");
            assertThat(k.isPrivate()).isFalse();
        });
        assertThat(verifies(ring, before)).isTrue();
        assertThat(verifies(ring, after)).isTrue();

        t.write("keys/issuer/config", "{\"min_decryption_version\":2,\"min_encryption_version\":2}");
        t.write("keys/issuer/trim", "{\"min_available_version\":2}");
        JWKSet trimmed = jwks("issuer");
        assertThat(trimmed.getKeys()).extracting(JWK::getKeyID).containsExactly("issuer:v2");
        assertThat(verifies(trimmed, before)).isFalse();
        assertThat(verifies(trimmed, after)).isTrue();
    }

    @Test
    void ttlSetsIatAndExpFromTheEngineClockAndHeadersMayBeAdded() throws Exception {
        t.write("keys/issuer", "{\"type\":\"ed25519\"}");
        t.write("keys/issuer/config", "{\"jwks_published\":true}");
        String token = sign("issuer", "{\"claims\":{\"sub\":\"svc\",\"roles\":[\"a\",\"b\"]},\"ttl\":\"5m\",\"header\":{\"cty\":\"app\"}}");
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        assertThat(jwt.getHeader().getType().toString()).isEqualTo("JWT");
        assertThat(jwt.getHeader().getContentType()).isEqualTo("app");
        assertThat(jwt.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(t.clock.instant());
        assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(t.clock.instant().plusSeconds(300));
        assertThat(jwt.getJWTClaimsSet().getStringListClaim("roles")).containsExactly("a", "b");
        assertThat(verifies(jwks("issuer"), token)).isTrue();
        assertThat(t.writeError("jwt/sign/issuer", "{\"claims\":{},\"header\":{\"kid\":\"other\"}}").errors().get(0)).contains("kid");
        assertThat(t.writeError("jwt/sign/issuer", "{}").errors()).containsExactly("missing claims (a JSON object)");
        assertThat(t.writeError("jwt/sign/issuer", "{\"claims\":\"sub\"}").errors()).containsExactly("field claims must be a JSON object");
    }

    @Test
    void rsaKeysPublishRs256OrPs256PerConfig() throws Exception {
        t.write("keys/rsa", "{\"type\":\"rsa-2048\"}");
        t.write("keys/rsa/config", "{\"jwks_published\":true}");
        String rs = sign("rsa", "{\"claims\":{\"sub\":\"x\"}}");
        assertThat(SignedJWT.parse(rs).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(verifies(jwks("rsa"), rs)).isTrue();
        t.write("keys/rsa/config", "{\"jwt_algorithm\":\"PS256\"}");
        String ps = sign("rsa", "{\"claims\":{\"sub\":\"x\"}}");
        assertThat(SignedJWT.parse(ps).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.PS256);
        assertThat(jwks("rsa").getKeys().get(0).getAlgorithm()).isEqualTo(JWSAlgorithm.PS256);
        assertThat(verifies(jwks("rsa"), ps)).isTrue();
        assertThat(t.writeError("keys/rsa/config", "{\"jwt_algorithm\":\"HS256\"}").code().httpStatus()).isEqualTo(400);
    }

    @Test
    void p384KeysSignEs384() throws Exception {
        t.write("keys/p384", "{\"type\":\"ecdsa-p384\"}");
        t.write("keys/p384/config", "{\"jwks_published\":true}");
        String token = sign("p384", "{\"claims\":{\"sub\":\"x\"},\"key_version\":1}");
        assertThat(SignedJWT.parse(token).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES384);
        assertThat(verifies(jwks("p384"), token)).isTrue();
    }

    @Test
    void jwksIsUnauthenticatedButOnlyForPublishedKeys() {
        assertThat(t.engine.unauthenticatedPaths()).containsExactly("jwks/*");
        t.write("keys/private", "{\"type\":\"ed25519\"}");
        assertThat(t.error(Operation.READ, "jwks/private", null).code().httpStatus()).isEqualTo(404);
        assertThat(t.error(Operation.READ, "jwks/missing", null).code().httpStatus()).isEqualTo(404);
        t.write("keys/private/config", "{\"jwks_published\":true}");
        Map<String, Object> doc = t.read("jwks/private").raw();
        assertThat(doc).containsOnlyKeys("keys");
        t.write("keys/private/config", "{\"jwks_published\":false}");
        assertThat(t.error(Operation.READ, "jwks/private", null).code().httpStatus()).isEqualTo(404);
        t.write("keys/aes", "{}");
        assertThat(t.writeError("jwt/sign/aes", "{\"claims\":{}}").errors().get(0)).contains("cannot sign JWTs");
    }
}
