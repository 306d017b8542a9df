package dev.keyhaven.compat.transit;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import dev.keyhaven.client.transit.JwksVerifier;
import dev.keyhaven.client.transit.JwtVerificationException;
import dev.keyhaven.client.transit.Transit;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transit over real HTTP against a real dev server: the request sequences of cosign's hashivault:// signer and of
 * SOPS's hc_vault_transit key source with their exact paths and bodies (as the Vault Go client puts them on the
 * wire: PUT, path cleaned by path.Join), the JWKS key ring fetched unauthenticated, and the Java SDK.
 */
class TransitHttpTest {
    private static final Pattern COSIGN_PREFIX = Pattern.compile("^vault:v[0-9]+:");
    @TempDir
    static Path dir;
    static TransitServer s;

    @BeforeAll
    static void start() {
        s = new TransitServer(dir);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @SuppressWarnings("unchecked")
    private static PublicKey cosignFetchPublicKey(String key) throws Exception {
        Map<String, Object> data = s.ok(s.read("/v1/transit/keys/" + key));
        Object latest = data.get("latest_version");
        assertThat(latest).isInstanceOf(Integer.class);
        Map<String, Object> keyMap = (Map<String, Object>) ((Map<String, Object>) data.get("keys")).get(latest.toString());
        String pem = (String) keyMap.get("public_key");
        byte[] der = Base64.getMimeDecoder().decode(pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", ""));
        return KeyFactory.getInstance(keyMap.get("name").toString().startsWith("rsa") ? "RSA" : "EC").generatePublic(new X509EncodedKeySpec(der));
    }

    @Test
    void cosignHashivaultSequenceForEcdsaAndRsa() throws Exception {
        for (String[] k : new String[][] {{"cosign-ec", "ecdsa-p256", "SHA256withECDSA"}, {"cosign-rsa", "rsa-2048", "SHA256withRSA"}}) {
            byte[] payload = ("payload for " + k[0]).getBytes(StandardCharsets.UTF_8);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(payload);
            // createKey
            assertThat(s.write("/v1/transit/keys/" + k[0], "{\"type\":\"" + k[1] + "\"}").status()).isIn(200, 204);
            // public(): read keys[latest_version].public_key
            PublicKey pub = cosignFetchPublicKey(k[0]);
            // sign: /transit/sign/<key>/sha2-256
            Map<String, Object> signed = s.ok(s.write("/v1/transit/sign/" + k[0] + "/sha2-256", "{\"input\":\"" + Base64.getEncoder().encodeToString(digest)
                    + "\",\"key_version\":\"0\",\"prehashed\":true,\"signature_algorithm\":\"pkcs1v15\"}"));
            byte[] sig = Base64.getDecoder().decode(COSIGN_PREFIX.matcher((String) signed.get("signature")).replaceAll(""));
            Signature v = Signature.getInstance(k[2]);
            v.initVerify(pub);
            v.update(payload);
            assertThat(v.verify(sig)).as(k[1] + " signature verifies with the fetched public key").isTrue();
            // verify: read latest_version for the prefix, then /transit/verify/<key>/sha2-256 (Go's path.Join cleans "//")
            Object latest = s.ok(s.read("/v1/transit/keys/" + k[0])).get("latest_version");
            Map<String, Object> verified = s.ok(s.write("/v1/transit/verify/" + k[0] + "/sha2-256", "{\"input\":\"" + Base64.getEncoder().encodeToString(digest)
                    + "\",\"prehashed\":true,\"signature\":\"vault:v" + latest + ":" + Base64.getEncoder().encodeToString(sig) + "\"}"));
            // like Vault: without signature_algorithm an RSA verification is PSS, so cosign's PKCS#1 v1.5 signature is not valid remotely
            assertThat(verified.get("valid")).isEqualTo(k[1].startsWith("ecdsa"));
        }
    }

    @Test
    void sopsHcVaultTransitSequence() {
        assertThat(s.write("/v1/transit/keys/sops", "{\"type\":\"rsa-4096\"}").status()).isIn(200, 204);
        assertThat(s.read("/v1/transit/keys/sops").status()).isEqualTo(200);
        byte[] dataKey = new byte[32];
        new java.security.SecureRandom().nextBytes(dataKey);
        Map<String, Object> enc = s.ok(s.write("/v1/transit/encrypt/sops", "{\"plaintext\":\"" + Base64.getEncoder().encodeToString(dataKey) + "\"}"));
        String ciphertext = (String) enc.get("ciphertext");
        Map<String, Object> dec = s.ok(s.write("/v1/transit/decrypt/sops", "{\"ciphertext\":\"" + ciphertext + "\"}"));
        assertThat(Base64.getDecoder().decode((String) dec.get("plaintext"))).isEqualTo(dataKey);
    }

    @Test
    void errorsUseVaultsEnvelopeAndBatchFailuresCarryResults() {
        s.write("/v1/transit/keys/env", "{}");
        TransitServer.Res bad = s.write("/v1/transit/decrypt/env", "{\"ciphertext\":\"vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json()).isEqualTo(Map.of("errors", List.of("cipher: message authentication failed")));
        TransitServer.Res batch = s.write("/v1/transit/decrypt/env", "{\"batch_input\":[{\"ciphertext\":\"nope\"}]}");
        assertThat(batch.status()).isEqualTo(400);
        assertThat(batch.body()).contains("batch_results", "invalid ciphertext: no prefix");
        assertThat(s.send("POST", "/v1/transit/encrypt/env", "{\"plaintext\":\"" + Base64.getEncoder().encodeToString(new byte[] {1}) + "\"}", false).status()).isEqualTo(403);
    }

    @Test
    void jwksIsServedUnauthenticatedAndFollowsRotationAndTrim() throws Exception {
        s.write("/v1/transit/keys/issuer", "{\"type\":\"ecdsa-p256\"}");
        assertThat(s.send("GET", "/v1/transit/jwks/issuer", null, false).status()).as("unpublished").isEqualTo(404);
        s.ok(s.write("/v1/transit/keys/issuer/config", "{\"jwks_published\":true}"));
        String before = (String) s.ok(s.write("/v1/transit/jwt/sign/issuer", "{\"claims\":{\"sub\":\"svc\"},\"ttl\":\"10m\"}")).get("token");
        s.ok(s.write("/v1/transit/keys/issuer/rotate", null));
        String after = (String) s.ok(s.write("/v1/transit/jwt/sign/issuer", "{\"claims\":{\"sub\":\"svc\"},\"ttl\":\"10m\"}")).get("token");

        TransitServer.Res jwks = s.send("GET", "/v1/transit/jwks/issuer", null, false);
        assertThat(jwks.status()).isEqualTo(200);
        assertThat(jwks.json()).containsOnlyKeys("keys");
        JWKSet set = JWKSet.parse(jwks.body());
        assertThat(set.getKeys()).extracting(JWK::getKeyID).containsExactly("issuer:v1", "issuer:v2");
        for (String t : List.of(before, after)) {
            SignedJWT jwt = SignedJWT.parse(t);
            assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
            assertThat(jwt.verify(new ECDSAVerifier((ECKey) set.getKeyByKeyId(jwt.getHeader().getKeyID())))).isTrue();
        }
        JwksVerifier sdk = JwksVerifier.forTransitKey(URI.create(s.url()), "transit", "issuer").build();
        assertThat(sdk.verify(before).keyId()).isEqualTo("issuer:v1");
        assertThat(sdk.verify(after).keyId()).isEqualTo("issuer:v2");

        s.ok(s.write("/v1/transit/keys/issuer/config", "{\"min_decryption_version\":2,\"min_encryption_version\":2}"));
        s.ok(s.write("/v1/transit/keys/issuer/trim", "{\"min_available_version\":2}"));
        JWKSet trimmed = JWKSet.parse(s.send("GET", "/v1/transit/jwks/issuer", null, false).body());
        assertThat(trimmed.getKeys()).extracting(JWK::getKeyID).containsExactly("issuer:v2");
        assertThat(trimmed.getKeyByKeyId("issuer:v1")).as("a verifier holding the new JWKS rejects the old token").isNull();
        JwksVerifier fresh = JwksVerifier.forTransitKey(URI.create(s.url()), "transit", "issuer").build();
        assertThat(fresh.verify(after).keyId()).isEqualTo("issuer:v2");
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(() -> fresh.verify(before), JwtVerificationException.class)).isNotNull();
    }

    @Test
    void rsaJwtIsRs256ForNimbus() throws Exception {
        s.write("/v1/transit/keys/rsa-issuer", "{\"type\":\"rsa-2048\"}");
        s.ok(s.write("/v1/transit/keys/rsa-issuer/config", "{\"jwks_published\":true,\"jwt_algorithm\":\"RS256\"}"));
        String token = (String) s.ok(s.write("/v1/transit/jwt/sign/rsa-issuer", "{\"claims\":{\"sub\":\"svc\"}}")).get("token");
        JWKSet set = JWKSet.parse(s.send("GET", "/v1/transit/jwks/rsa-issuer", null, false).body());
        assertThat(SignedJWT.parse(token).verify(new RSASSAVerifier((RSAKey) set.getKeyByKeyId("rsa-issuer:v1")))).isTrue();
    }

    @Test
    void javaSdkAgainstTheServer() {
        Transit transit = Transit.builder(URI.create(s.url()), () -> s.token).build();
        s.write("/v1/transit/keys/sdk", "{}");
        String ct = transit.encrypt("sdk", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(transit.decrypt("sdk", ct), StandardCharsets.UTF_8)).isEqualTo("hello");
        s.write("/v1/transit/keys/sdk-sign", "{\"type\":\"ed25519\"}");
        String sig = transit.sign("sdk-sign", "m".getBytes(StandardCharsets.UTF_8));
        assertThat(transit.verify("sdk-sign", "m".getBytes(StandardCharsets.UTF_8), sig)).isTrue();
    }
}
