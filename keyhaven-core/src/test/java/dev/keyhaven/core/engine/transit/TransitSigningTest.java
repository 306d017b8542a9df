package dev.keyhaven.core.engine.transit;

import static dev.keyhaven.core.engine.transit.TransitFixture.b64;
import static dev.keyhaven.core.engine.transit.TransitFixture.unb64;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TransitSigningTest {
    private final TransitFixture t = new TransitFixture();
    private static final byte[] MESSAGE = "sign this message".getBytes(StandardCharsets.UTF_8);

    private PublicKey publicKey(String key, String jdkAlg) throws Exception {
        Map<String, Object> read = t.wire(t.read("keys/" + key));
        Map<?, ?> v = (Map<?, ?>) ((Map<?, ?>) read.get("keys")).get(read.get("latest_version").toString());
        String pk = (String) v.get("public_key");
        byte[] der;
        if (jdkAlg.equals("Ed25519")) {
            byte[] raw = Base64.getDecoder().decode(pk);
            assertThat(raw).hasSize(32);
            der = Der.concat(java.util.HexFormat.of().parseHex("302a300506032b6570032100"), raw);
        } else {
            assertThat(pk).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
            der = Base64.getMimeDecoder().decode(pk.replaceAll("-----[A-Z ]+-----", ""));
        }
        return KeyFactory.getInstance(jdkAlg).generatePublic(new X509EncodedKeySpec(der));
    }

    private String sign(String path, String body) {
        String sig = (String) t.writeData(path, body).get("signature");
        assertThat(sig).startsWith("vault:v1:");
        return sig;
    }

    private boolean verify(String path, String body) {
        return (Boolean) t.writeData(path, body).get("valid");
    }

    private static byte[] sigBytes(String sig) {
        return Base64.getDecoder().decode(sig.substring(sig.indexOf(':', 6) + 1));
    }

    @Test
    void ed25519SignaturesVerifyWithTheJdkAndIgnoreTheHash() throws Exception {
        t.write("keys/ed", "{\"type\":\"ed25519\"}");
        String sig = sign("sign/ed", "{\"input\":\"" + b64(MESSAGE) + "\",\"hash_algorithm\":\"sha2-512\"}");
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(publicKey("ed", "Ed25519"));
        v.update(MESSAGE);
        assertThat(v.verify(sigBytes(sig))).isTrue();
        assertThat(verify("verify/ed", "{\"input\":\"" + b64(MESSAGE) + "\",\"signature\":\"" + sig + "\"}")).isTrue();
        assertThat(verify("verify/ed", "{\"input\":\"" + b64("other") + "\",\"signature\":\"" + sig + "\"}")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecdsa-p256:sha2-256:SHA256withECDSA", "ecdsa-p384:sha2-384:SHA384withECDSA", "ecdsa-p521:sha2-512:SHA512withECDSA"})
    void ecdsaAsn1SignaturesVerifyWithTheJdk(String spec) throws Exception {
        String[] s = spec.split(":");
        t.write("keys/ec", "{\"type\":\"" + s[0] + "\"}");
        String sig = sign("sign/ec/" + s[1], "{\"input\":\"" + b64(MESSAGE) + "\"}");
        Signature v = Signature.getInstance(s[2]);
        v.initVerify(publicKey("ec", "EC"));
        v.update(MESSAGE);
        assertThat(v.verify(sigBytes(sig))).isTrue();
        assertThat(verify("verify/ec/" + s[1], "{\"input\":\"" + b64(MESSAGE) + "\",\"signature\":\"" + sig + "\"}")).isTrue();
    }

    @Test
    void ecdsaJwsMarshalingIsAValidEs256JwsSignatureForNimbus() throws Exception {
        t.write("keys/ec", "{\"type\":\"ecdsa-p256\"}");
        Base64.Encoder u = Base64.getUrlEncoder().withoutPadding();
        String signingInput = u.encodeToString("{\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8)) + "." + u.encodeToString("{\"sub\":\"svc\"}".getBytes(StandardCharsets.UTF_8));
        String sig = sign("sign/ec", "{\"input\":\"" + b64(signingInput) + "\",\"marshaling_algorithm\":\"jws\"}");
        String raw = sig.substring("vault:v1:".length());
        assertThat(raw).doesNotContain("=", "+", "/");
        assertThat(Base64.getUrlDecoder().decode(raw)).hasSize(64);
        JWSObject jws = JWSObject.parse(signingInput + "." + raw);
        assertThat(jws.verify(new ECDSAVerifier((ECPublicKey) publicKey("ec", "EC")))).isTrue();
        assertThat(verify("verify/ec", "{\"input\":\"" + b64(signingInput) + "\",\"signature\":\"" + sig + "\",\"marshaling_algorithm\":\"jws\"}")).isTrue();
    }

    @Test
    void rsaPkcs1v15SignaturesAreRs256ForNimbusAndTheJdk() throws Exception {
        t.write("keys/rsa", "{\"type\":\"rsa-2048\"}");
        String signingInput = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmMifQ";
        String sig = sign("sign/rsa", "{\"input\":\"" + b64(signingInput) + "\",\"signature_algorithm\":\"pkcs1v15\"}");
        byte[] raw = sigBytes(sig);
        JWSObject jws = JWSObject.parse(signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
        assertThat(jws.verify(new RSASSAVerifier((RSAPublicKey) publicKey("rsa", "RSA")))).isTrue();
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(publicKey("rsa", "RSA"));
        v.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        assertThat(v.verify(raw)).isTrue();
    }

    @Test
    void rsaPssDefaultsToTheMaximumSaltLikeVaultAndVerifiesWithTheJdk() throws Exception {
        t.write("keys/rsa", "{\"type\":\"rsa-3072\"}");
        String sig = sign("sign/rsa/sha2-384", "{\"input\":\"" + b64(MESSAGE) + "\"}");
        Signature v = Signature.getInstance("RSASSA-PSS");
        v.setParameter(new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 3072 / 8 - 2 - 48, 1));
        v.initVerify(publicKey("rsa", "RSA"));
        v.update(MESSAGE);
        assertThat(v.verify(sigBytes(sig))).isTrue();
        assertThat(verify("verify/rsa/sha2-384", "{\"input\":\"" + b64(MESSAGE) + "\",\"signature\":\"" + sig + "\"}")).isTrue();
    }

    @Test
    void rsaPssWithHashSaltIsAPs256SignatureAndAutoVerifyDetectsTheSalt() throws Exception {
        t.write("keys/rsa", "{\"type\":\"rsa-2048\"}");
        String sig = sign("sign/rsa", "{\"input\":\"" + b64(MESSAGE) + "\",\"salt_length\":\"hash\"}");
        Signature v = Signature.getInstance("RSASSA-PSS");
        v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        v.initVerify(publicKey("rsa", "RSA"));
        v.update(MESSAGE);
        assertThat(v.verify(sigBytes(sig))).isTrue();
        assertThat(verify("verify/rsa", "{\"input\":\"" + b64(MESSAGE) + "\",\"signature\":\"" + sig + "\"}")).isTrue();
        assertThat(verify("verify/rsa", "{\"input\":\"" + b64("other") + "\",\"signature\":\"" + sig + "\"}")).isFalse();
    }

    @Test
    void prehashedRsaPkcs1v15SignsTheGivenDigest() throws Exception {
        t.write("keys/rsa", "{\"type\":\"rsa-2048\"}");
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(MESSAGE);
        String sig = sign("sign/rsa/sha2-256", "{\"input\":\"" + b64(digest) + "\",\"prehashed\":true,\"signature_algorithm\":\"pkcs1v15\"}");
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(publicKey("rsa", "RSA"));
        v.update(MESSAGE);
        assertThat(v.verify(sigBytes(sig))).isTrue();
        assertThat(t.writeError("sign/rsa/sha2-256", "{\"input\":\"" + b64("short") + "\",\"prehashed\":true}").errors().get(0)).contains("prehashed input must be a sha2-256 digest");
    }

    @Test
    void signaturesBelowMinDecryptionVersionAreRefused() {
        t.write("keys/ed", "{\"type\":\"ed25519\"}");
        String sig = sign("sign/ed", "{\"input\":\"" + b64(MESSAGE) + "\"}");
        t.write("keys/ed/rotate", null);
        assertThat(verify("verify/ed", "{\"input\":\"" + b64(MESSAGE) + "\",\"signature\":\"" + sig + "\"}")).isTrue();
        t.write("keys/ed/config", "{\"min_decryption_version\":2}");
        assertThat(t.writeError("verify/ed", "{\"input\":\"" + b64(MESSAGE) + "\",\"signature\":\"" + sig + "\"}").errors())
                .containsExactly("ciphertext or signature version is disallowed by policy (too old)");
    }

    @Test
    void hmacMatchesTheJdkWithTheExportedHmacKeyAndVerifies() throws Exception {
        t.write("keys/h", "{\"type\":\"aes256-gcm96\",\"exportable\":true}");
        Map<String, Object> r = t.writeData("hmac/h/sha2-512", "{\"input\":\"" + b64(MESSAGE) + "\"}");
        String hmac = (String) r.get("hmac");
        assertThat(hmac).startsWith("vault:v1:");
        byte[] key = unb64(((Map<?, ?>) t.wire(t.read("export/hmac-key/h")).get("keys")).get("1"));
        Mac mac = Mac.getInstance("HmacSHA512");
        mac.init(new SecretKeySpec(key, "HmacSHA512"));
        assertThat(sigBytes(hmac)).isEqualTo(mac.doFinal(MESSAGE));
        assertThat(verify("verify/h/sha2-512", "{\"input\":\"" + b64(MESSAGE) + "\",\"hmac\":\"" + hmac + "\"}")).isTrue();
        assertThat(verify("verify/h/sha2-256", "{\"input\":\"" + b64(MESSAGE) + "\",\"hmac\":\"" + hmac + "\"}")).isFalse();
    }

    @Test
    void hmacKeyTypeUsesItsOwnKey() throws Exception {
        t.write("keys/mac", "{\"type\":\"hmac\",\"key_size\":64,\"exportable\":true}");
        String hmac = (String) t.writeData("hmac/mac", "{\"input\":\"" + b64(MESSAGE) + "\"}").get("hmac");
        byte[] key = unb64(((Map<?, ?>) t.wire(t.read("export/hmac-key/mac/1")).get("keys")).get("1"));
        assertThat(key).hasSize(64);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        assertThat(sigBytes(hmac)).isEqualTo(mac.doFinal(MESSAGE));
    }

    @Test
    void batchSignAndVerify() {
        t.write("keys/ed", "{\"type\":\"ed25519\"}");
        Map<String, Object> r = t.writeData("sign/ed", "{\"batch_input\":[{\"input\":\"" + b64("a") + "\",\"reference\":\"r1\"},{\"input\":\"" + b64("b") + "\"}]}");
        @SuppressWarnings("unchecked")
        java.util.List<Map<String, Object>> res = (java.util.List<Map<String, Object>>) r.get("batch_results");
        assertThat(res).hasSize(2);
        assertThat(res.get(0)).containsEntry("reference", "r1");
        Map<String, Object> v = t.writeData("verify/ed", "{\"batch_input\":[{\"input\":\"" + b64("a") + "\",\"signature\":\"" + res.get(0).get("signature")
                + "\"},{\"input\":\"" + b64("a") + "\",\"signature\":\"" + res.get(1).get("signature") + "\"}]}");
        assertThat(((java.util.List<?>) v.get("batch_results")).stream().map(m -> (Object) ((Map<?, ?>) m).get("valid")).toList()).containsExactly(true, false);
    }

    @Test
    void hashAndRandomFollowVaultFormats() throws Exception {
        Map<String, Object> h = t.writeData("hash/sha2-256", "{\"input\":\"" + b64("abc") + "\"}");
        assertThat(h.get("sum")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        Map<String, Object> h3 = t.writeData("hash", "{\"input\":\"" + b64("abc") + "\",\"algorithm\":\"sha3-256\",\"format\":\"base64\"}");
        assertThat(unb64(h3.get("sum"))).isEqualTo(MessageDigest.getInstance("SHA3-256").digest("abc".getBytes(StandardCharsets.UTF_8)));
        assertThat(unb64(t.writeData("random/64", "{}").get("random_bytes"))).hasSize(64);
        assertThat((String) t.writeData("random/platform/16", "{\"format\":\"hex\"}").get("random_bytes")).hasSize(32);
        assertThat(unb64(t.writeData("random", "{}").get("random_bytes"))).hasSize(32);
        assertThat(t.writeError("random/999999999", "{}").errors()).containsExactly("the number of bytes requested is too large");
        assertThat(t.writeError("hash/md5", "{\"input\":\"" + b64("abc") + "\"}").errors()).containsExactly("invalid hash algorithm \"md5\"");
    }

    @Test
    void symmetricKeysCannotSign() {
        t.write("keys/aes", "{}");
        assertThat(t.writeError("sign/aes", "{\"input\":\"" + b64("x") + "\"}").errors()).containsExactly("key type aes256-gcm96 does not support signing");
        assertThat(t.writeError("sign/nokey", "{\"input\":\"" + b64("x") + "\"}").errors()).containsExactly("signing key not found");
        t.write("keys/ed", "{\"type\":\"ed25519\"}");
        assertThat(t.writeError("sign/ed", "{\"input\":\"" + b64("x") + "\",\"prehashed\":true}").errors().get(0)).contains("prehashed");
        assertThat(t.writeError("verify/ed", "{\"input\":\"" + b64("x") + "\"}").errors()).containsExactly("neither a 'signature' nor an 'hmac' were given to verify");
    }
}
