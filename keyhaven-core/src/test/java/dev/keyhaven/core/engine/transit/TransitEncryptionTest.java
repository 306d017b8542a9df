package dev.keyhaven.core.engine.transit;

import static dev.keyhaven.core.engine.transit.TransitFixture.b64;
import static dev.keyhaven.core.engine.transit.TransitFixture.unb64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class TransitEncryptionTest {
    private final TransitFixture t = new TransitFixture();

    private String encrypt(String key, String plaintext) {
        return (String) t.writeData("encrypt/" + key, "{\"plaintext\":\"" + b64(plaintext) + "\"}").get("ciphertext");
    }

    private String decrypt(String key, String ciphertext) {
        return new String(unb64(t.writeData("decrypt/" + key, "{\"ciphertext\":\"" + ciphertext + "\"}").get("plaintext")), StandardCharsets.UTF_8);
    }

    private byte[] exportedKey(String key, int version) {
        t.write("keys/" + key + "/config", "{\"exportable\":true}");
        Map<?, ?> keys = (Map<?, ?>) t.wire(t.read("export/encryption-key/" + key + "/" + version)).get("keys");
        return unb64(keys.get(Integer.toString(version)));
    }

    @Test
    void aesGcmCiphertextHasVaultLayoutAndOpensWithTheJdk() throws Exception {
        t.write("keys/app", "{\"type\":\"aes256-gcm96\"}");
        String ct = encrypt("app", "the quick brown fox");
        assertThat(ct).matches("vault:v1:[A-Za-z0-9+/]+=*");
        byte[] body = unb64(ct.substring("vault:v1:".length()));
        assertThat(body).hasSize(12 + "the quick brown fox".length() + 16);

        byte[] key = exportedKey("app", 1);
        assertThat(key).hasSize(32);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, Arrays.copyOfRange(body, 0, 12)));
        assertThat(new String(c.doFinal(body, 12, body.length - 12), StandardCharsets.UTF_8)).isEqualTo("the quick brown fox");
    }

    @Test
    void jdkProducedCiphertextInVaultLayoutDecrypts() throws Exception {
        t.write("keys/app", "{}");
        byte[] key = exportedKey("app", 1);
        byte[] nonce = HexFormat.of().parseHex("000102030405060708090a0b");
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        byte[] ct = c.doFinal("made by the JDK".getBytes(StandardCharsets.UTF_8));
        byte[] body = new byte[12 + ct.length];
        System.arraycopy(nonce, 0, body, 0, 12);
        System.arraycopy(ct, 0, body, 12, ct.length);
        assertThat(decrypt("app", "vault:v1:" + b64(body))).isEqualTo("made by the JDK");
    }

    @Test
    void chacha20Poly1305UsesTheSameLayout() throws Exception {
        t.write("keys/cc", "{\"type\":\"chacha20-poly1305\"}");
        String ct = encrypt("cc", "chacha");
        byte[] body = unb64(ct.substring(9));
        byte[] key = exportedKey("cc", 1);
        Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(Arrays.copyOfRange(body, 0, 12)));
        assertThat(new String(c.doFinal(body, 12, body.length - 12), StandardCharsets.UTF_8)).isEqualTo("chacha");
        assertThat(decrypt("cc", ct)).isEqualTo("chacha");
    }

    @Test
    void rsaKeysEncryptWithOaepSha256() throws Exception {
        t.write("keys/r", "{\"type\":\"rsa-2048\",\"exportable\":true}");
        String ct = encrypt("r", "sealed for rsa");
        assertThat(decrypt("r", ct)).isEqualTo("sealed for rsa");
        String pem = (String) ((Map<?, ?>) t.wire(t.read("export/encryption-key/r/1")).get("keys")).get("1");
        assertThat(pem).startsWith("-----BEGIN RSA PRIVATE KEY-----\n");
        byte[] pkcs1 = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        byte[] algId = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
        byte[] pkcs8 = Der.tlv(0x30, Der.concat(Der.tlv(0x02, new byte[] {0}), algId, Der.tlv(0x04, pkcs1)));
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.DECRYPT_MODE, KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)),
                new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        assertThat(new String(c.doFinal(unb64(ct.substring(9))), StandardCharsets.UTF_8)).isEqualTo("sealed for rsa");
    }

    @Test
    void oldCiphertextStillDecryptsAfterRotation() {
        t.write("keys/app", "{}");
        String v1 = encrypt("app", "before rotation");
        Map<String, Object> rotated = t.writeData("keys/app/rotate", null);
        assertThat(rotated.get("latest_version")).isEqualTo(2);
        String v2 = encrypt("app", "after rotation");
        assertThat(v2).startsWith("vault:v2:");
        assertThat(decrypt("app", v1)).isEqualTo("before rotation");
        assertThat(decrypt("app", v2)).isEqualTo("after rotation");
    }

    @Test
    void minDecryptionVersionRefusesOlderCiphertexts() {
        t.write("keys/app", "{}");
        String v1 = encrypt("app", "old");
        t.write("keys/app/rotate", null);
        t.write("keys/app/config", "{\"min_decryption_version\":2}");
        KeyhavenException e = t.writeError("decrypt/app", "{\"ciphertext\":\"" + v1 + "\"}");
        assertThat(e.code().httpStatus()).isEqualTo(400);
        assertThat(e.errors()).containsExactly("ciphertext or signature version is disallowed by policy (too old)");
        assertThat(t.writeError("rewrap/app", "{\"ciphertext\":\"" + v1 + "\"}").errors()).containsExactly("ciphertext or signature version is disallowed by policy (too old)");
    }

    @Test
    void rewrapUpgradesToTheLatestVersionWithoutRevealingPlaintext() {
        t.write("keys/app", "{}");
        String v1 = encrypt("app", "wrap me");
        t.write("keys/app/rotate", null);
        t.write("keys/app/rotate", null);
        Map<String, Object> r = t.writeData("rewrap/app", "{\"ciphertext\":\"" + v1 + "\"}");
        assertThat(r).containsEntry("key_version", 3).doesNotContainKey("plaintext");
        assertThat((String) r.get("ciphertext")).startsWith("vault:v3:");
        assertThat(decrypt("app", (String) r.get("ciphertext"))).isEqualTo("wrap me");
        Map<String, Object> pinned = t.writeData("rewrap/app", "{\"ciphertext\":\"" + v1 + "\",\"key_version\":2}");
        assertThat((String) pinned.get("ciphertext")).startsWith("vault:v2:");
    }

    @Test
    void minEncryptionVersionRefusesEncryptingWithOlderVersions() {
        t.write("keys/app", "{}");
        t.write("keys/app/rotate", null);
        t.write("keys/app/config", "{\"min_encryption_version\":2}");
        assertThat(t.writeError("encrypt/app", "{\"plaintext\":\"" + b64("x") + "\",\"key_version\":1}").errors())
                .containsExactly("requested version for encryption is less than the minimum encryption key version");
    }

    @Test
    void tamperedCiphertextFailsAuthentication() {
        t.write("keys/app", "{}");
        String ct = encrypt("app", "integrity");
        byte[] body = unb64(ct.substring(9));
        body[body.length - 1] ^= 1;
        KeyhavenException e = t.writeError("decrypt/app", "{\"ciphertext\":\"vault:v1:" + b64(body) + "\"}");
        assertThat(e.errors()).containsExactly("cipher: message authentication failed");
        assertThat(t.writeError("decrypt/app", "{\"ciphertext\":\"v1:abc\"}").errors()).containsExactly("invalid ciphertext: no prefix");
        assertThat(t.writeError("decrypt/app", "{\"ciphertext\":\"vault:vX:abc\"}").errors()).containsExactly("invalid ciphertext: version number could not be decoded");
        assertThat(t.writeError("decrypt/app", "{\"ciphertext\":\"vault:v9:" + b64(body) + "\"}").errors()).containsExactly("invalid ciphertext: version is too new");
    }

    @Test
    void associatedDataMustMatch() {
        t.write("keys/app", "{}");
        String aad = b64("tenant-42");
        Map<String, Object> r = t.writeData("encrypt/app", "{\"plaintext\":\"" + b64("scoped") + "\",\"associated_data\":\"" + aad + "\"}");
        String ct = (String) r.get("ciphertext");
        assertThat(unb64(t.writeData("decrypt/app", "{\"ciphertext\":\"" + ct + "\",\"associated_data\":\"" + aad + "\"}").get("plaintext"))).asString().isEqualTo("scoped");
        assertThat(t.writeError("decrypt/app", "{\"ciphertext\":\"" + ct + "\",\"associated_data\":\"" + b64("tenant-43") + "\"}").errors())
                .containsExactly("cipher: message authentication failed");
    }

    @Test
    void batchEncryptAndDecryptKeepOrderReferencesAndPerItemErrors() {
        t.write("keys/app", "{}");
        Response r = t.write("encrypt/app", "{\"batch_input\":[{\"plaintext\":\"" + b64("one") + "\",\"reference\":\"a\"},"
                + "{\"plaintext\":\"" + b64("two") + "\",\"reference\":\"b\"}]}");
        assertThat(r.status()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> res = (List<Map<String, Object>>) TransitFixture.wire(r).get("batch_results");
        assertThat(res).extracting(m -> m.get("reference")).containsExactly("a", "b");
        assertThat(res).allSatisfy(m -> assertThat(m).containsEntry("key_version", 1));

        Response d = t.write("decrypt/app", "{\"batch_input\":[{\"ciphertext\":\"" + res.get(0).get("ciphertext") + "\"},"
                + "{\"ciphertext\":\"vault:v1:AAAA\"},{\"ciphertext\":\"" + res.get(1).get("ciphertext") + "\"}]}");
        assertThat(d.status()).isEqualTo(400);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> dr = (List<Map<String, Object>>) TransitFixture.wire(d).get("batch_results");
        assertThat(unb64(dr.get(0).get("plaintext"))).asString().isEqualTo("one");
        assertThat(dr.get(1)).containsKey("error").doesNotContainKey("plaintext");
        assertThat(unb64(dr.get(2).get("plaintext"))).asString().isEqualTo("two");
    }

    @Test
    void encryptCreatesAMissingKeyLikeVault() {
        assertThat(t.engine.exists(request("encrypt/fresh"))).contains(false);
        String ct = (String) t.call(Operation.CREATE, "encrypt/fresh", "{\"plaintext\":\"" + b64("hi") + "\"}").data().get("ciphertext");
        assertThat(ct).startsWith("vault:v1:");
        assertThat(t.wire(t.read("keys/fresh"))).containsEntry("type", "aes256-gcm96");
        assertThat(t.engine.exists(request("encrypt/fresh"))).contains(true);
        assertThat(t.engine.exists(request("keys/fresh"))).as("keys/:name has no existence check in Vault").isEmpty();
    }

    private static dev.keyhaven.core.logical.Request request(String path) {
        dev.keyhaven.core.logical.Request r = dev.keyhaven.core.logical.Request.builder(Operation.CREATE, "transit/" + path).build();
        r.setMount("transit/", "transit", "transit_1234abcd", path);
        return r;
    }

    @Test
    void datakeyReturnsAWrappedKeyThatDecryptsToThePlaintextKey() {
        t.write("keys/app", "{}");
        Map<String, Object> dk = t.writeData("datakey/plaintext/app", "{\"bits\":512}");
        assertThat(unb64(dk.get("plaintext"))).hasSize(64);
        assertThat(unb64(t.writeData("decrypt/app", "{\"ciphertext\":\"" + dk.get("ciphertext") + "\"}").get("plaintext"))).isEqualTo(unb64(dk.get("plaintext")));
        Map<String, Object> wrapped = t.writeData("datakey/wrapped/app", "{}");
        assertThat(wrapped).doesNotContainKey("plaintext").containsEntry("key_version", 1);
        assertThat(t.writeError("datakey/plaintext/app", "{\"bits\":100}").errors()).containsExactly("invalid bits length");
    }

    @Test
    void signingOnlyKeysRefuseEncryptionAndUnknownKeysAreReported() {
        t.write("keys/sig", "{\"type\":\"ed25519\"}");
        assertThat(t.writeError("encrypt/sig", "{\"plaintext\":\"" + b64("x") + "\"}").errors()).containsExactly("key type ed25519 does not support encryption");
        assertThat(t.writeError("decrypt/nokey", "{\"ciphertext\":\"vault:v1:AAAA\"}").errors()).containsExactly("encryption key not found");
        assertThat(t.writeError("encrypt/app", "{}").errors()).containsExactly("missing plaintext to encrypt");
        assertThat(t.writeError("encrypt/app", "{\"plaintext\":\"%%%\"}").errors()).containsExactly("failed to base64-decode plaintext");
    }

    /** RFC 5869 HKDF-SHA256 with an empty salt, written independently of the engine's. */
    private static byte[] hkdf(byte[] ikm, byte[] info, int len) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info);
        mac.update((byte) 1);
        return Arrays.copyOf(mac.doFinal(), len);
    }

    @Test
    void derivedKeysNeedContextAndUseHkdfSha256OfTheVersionKey() throws Exception {
        t.write("keys/tenant", "{\"derived\":true,\"exportable\":true}");
        assertThat(t.wire(t.read("keys/tenant"))).containsEntry("derived", true).containsEntry("kdf", "hkdf_sha256").containsEntry("convergent_encryption", false);
        assertThat(t.writeError("encrypt/tenant", "{\"plaintext\":\"" + b64("x") + "\"}").errors().get(0)).startsWith("missing 'context' for key derivation");
        String ctxA = b64("tenant-a");
        String ct = (String) t.writeData("encrypt/tenant", "{\"plaintext\":\"" + b64("per tenant") + "\",\"context\":\"" + ctxA + "\"}").get("ciphertext");
        assertThat(unb64(t.writeData("decrypt/tenant", "{\"ciphertext\":\"" + ct + "\",\"context\":\"" + ctxA + "\"}").get("plaintext"))).asString().isEqualTo("per tenant");
        assertThat(t.writeError("decrypt/tenant", "{\"ciphertext\":\"" + ct + "\",\"context\":\"" + b64("tenant-b") + "\"}").errors()).containsExactly("cipher: message authentication failed");
        byte[] body = unb64(ct.substring(9));
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(hkdf(exportedKey("tenant", 1), "tenant-a".getBytes(StandardCharsets.UTF_8), 32), "AES"),
                new GCMParameterSpec(128, Arrays.copyOfRange(body, 0, 12)));
        assertThat(new String(c.doFinal(body, 12, body.length - 12), StandardCharsets.UTF_8)).isEqualTo("per tenant");
        assertThat(t.writeError("encrypt/tenant", "{\"batch_input\":[{\"plaintext\":\"" + b64("a") + "\",\"context\":\"" + ctxA + "\"},{\"plaintext\":\"" + b64("b") + "\"}]}").errors())
                .containsExactly("context should be set either in all the request blocks or in none");
    }

    @Test
    void convergentEncryptionIsDeterministicPerContext() throws Exception {
        t.write("keys/conv", "{\"derived\":true,\"convergent_encryption\":true,\"exportable\":true}");
        String body = "{\"plaintext\":\"" + b64("same") + "\",\"context\":\"" + b64("ctx-1") + "\"}";
        String a = (String) t.writeData("encrypt/conv", body).get("ciphertext");
        String b = (String) t.writeData("encrypt/conv", body).get("ciphertext");
        assertThat(a).isEqualTo(b);
        String other = (String) t.writeData("encrypt/conv", "{\"plaintext\":\"" + b64("same") + "\",\"context\":\"" + b64("ctx-2") + "\"}").get("ciphertext");
        assertThat(other).isNotEqualTo(a);
        byte[] hmacKey = unb64(TransitFixture.map(t.wire(t.read("export/hmac-key/conv/1")).get("keys")).get("1"));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
        mac.update("ctx-1".getBytes(StandardCharsets.UTF_8));
        byte[] nonce = Arrays.copyOf(mac.doFinal("same".getBytes(StandardCharsets.UTF_8)), 12);
        assertThat(Arrays.copyOfRange(unb64(a.substring(9)), 0, 12)).isEqualTo(nonce);
        assertThat(t.wire(t.read("keys/conv"))).containsEntry("convergent_encryption", true).containsEntry("convergent_encryption_version", 3);
        assertThat(t.writeError("keys/bad", "{\"convergent_encryption\":true}").errors()).containsExactly("convergent encryption requires derivation to be enabled");
    }

    @Test
    void encryptWithContextUpsertsADerivedKeyAndUnsupportedDerivationIsRefused() {
        t.write("encrypt/auto", "{\"plaintext\":\"" + b64("x") + "\",\"context\":\"" + b64("c") + "\"}");
        assertThat(t.wire(t.read("keys/auto"))).containsEntry("derived", true);
        KeyhavenException e = t.writeError("keys/ed", "{\"type\":\"ed25519\",\"derived\":true}");
        assertThat(e.errors().get(0)).contains("key derivation is supported for");
        assertThat(t.error(Operation.READ, "keys/ed", null).code().httpStatus()).as("nothing written").isEqualTo(404);
        assertThat(t.writeError("encrypt/auto", "{\"plaintext\":\"" + b64("x") + "\",\"context\":\"" + b64("c") + "\",\"nonce\":\"" + b64("123456789012") + "\"}").errors())
                .containsExactly("provided nonce not allowed for this key");
    }

    @Test
    void contextOnANonDerivedKeyIsIgnoredLikeVault() {
        t.write("keys/plain", "{}");
        String ct = (String) t.writeData("encrypt/plain", "{\"plaintext\":\"" + b64("x") + "\",\"context\":\"" + b64("c") + "\"}").get("ciphertext");
        assertThat(unb64(t.writeData("decrypt/plain", "{\"ciphertext\":\"" + ct + "\"}").get("plaintext"))).asString().isEqualTo("x");
    }
}
