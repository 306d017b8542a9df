package dev.keyhaven.core.engine.transit;

import static dev.keyhaven.core.engine.transit.TransitFixture.b64;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The exact request sequences of two real Vault transit clients, replayed through {@code Engine.handle} with the
 * bodies they send, and the responses parsed the way they parse them (JSON on the wire, then their field access):
 * sigstore's hashivault KMS signer (cosign {@code hashivault://}, pkg/signature/kms/hashivault/client.go) and
 * SOPS's {@code hc_vault_transit} master key (hcvault/keysource.go).
 */
class ClientSequenceReplayTest {
    private static final Pattern COSIGN_PREFIX = Pattern.compile("^vault:v[0-9]+:");
    private final TransitFixture t = new TransitFixture();

    /** cosign's fetchPublicKey: keys[latest_version].public_key; "name"=="ed25519" means raw base64, else PEM. */
    private PublicKey cosignFetchPublicKey(String key) throws Exception {
        Map<String, Object> data = t.wire(t.read("keys/" + key));
        assertThat(data).containsKeys("keys", "latest_version");
        Object latest = data.get("latest_version");
        assertThat(latest).as("latest_version is a JSON number (cosign asserts json.Number)").isInstanceOf(Integer.class);
        Map<String, Object> keyMap = TransitFixture.map(TransitFixture.map(data.get("keys")).get(latest.toString()));
        String publicKey = (String) keyMap.get("public_key");
        if ("ed25519".equals(keyMap.get("name"))) {
            byte[] raw = Base64.getDecoder().decode(publicKey);
            assertThat(raw).hasSize(32);
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Der.concat(HexFormat.of().parseHex("302a300506032b6570032100"), raw)));
        }
        // cryptoutils.UnmarshalPEMToPublicKey: a "PUBLIC KEY" PEM block with PKIX DER
        assertThat(publicKey).startsWith("-----BEGIN PUBLIC KEY-----\n");
        byte[] der = Base64.getMimeDecoder().decode(publicKey.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", ""));
        String alg = keyMap.get("name").toString().startsWith("rsa") ? "RSA" : "EC";
        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
    }

    /** cosign's sign: POST sign/<key>/sha2-256 with input, prehashed, key_version "0" (a string), signature_algorithm pkcs1v15. */
    private byte[] cosignSign(String key, byte[] digest, String urlHash) {
        String body = "{\"input\":\"" + Base64.getEncoder().encodeToString(digest) + "\",\"prehashed\":" + !urlHash.isEmpty()
                + ",\"key_version\":\"0\",\"signature_algorithm\":\"pkcs1v15\"}";
        Map<String, Object> data = t.writeData("sign/" + key + urlHash, body);
        String encoded = (String) data.get("signature");
        return Base64.getDecoder().decode(COSIGN_PREFIX.matcher(encoded).replaceAll(""));
    }

    /**
     * cosign's remote verify: reads latest_version for the prefix, then writes "/transit/verify/<key>/" + hashString,
     * which has "//" (hashString starts with "/"); the Vault Go client builds the URL with path.Join, so the
     * server receives the cleaned path verify/<key>/sha2-256.
     */
    private boolean cosignVerify(String key, byte[] sig, byte[] digest, String urlHash) {
        Object latest = t.wire(t.read("keys/" + key)).get("latest_version");
        String prefix = "vault:v" + latest + ":";
        String body = "{\"input\":\"" + Base64.getEncoder().encodeToString(digest) + "\",\"prehashed\":" + !urlHash.isEmpty()
                + ",\"signature\":\"" + prefix + Base64.getEncoder().encodeToString(sig) + "\"}";
        Object valid = t.writeData(java.nio.file.Path.of("/verify/" + key + "/" + urlHash).normalize().toString().substring(1), body).get("valid");
        assertThat(valid).isInstanceOf(Boolean.class);
        return (Boolean) valid;
    }

    @Test
    void cosignHashivaultSignerWithEcdsaP256() throws Exception {
        byte[] payload = "{\"critical\":{\"identity\":{\"docker-reference\":\"registry.example/app\"}}}".getBytes(StandardCharsets.UTF_8);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(payload);
        t.write("keys/cosign-ec", "{\"type\":\"ecdsa-p256\"}");
        PublicKey pub = cosignFetchPublicKey("cosign-ec");
        byte[] sig = cosignSign("cosign-ec", digest, "/sha2-256");
        Signature local = Signature.getInstance("SHA256withECDSA");
        local.initVerify(pub);
        local.update(payload);
        assertThat(local.verify(sig)).as("cosign verifies ASN.1 ECDSA locally with the fetched key").isTrue();
        assertThat(cosignVerify("cosign-ec", sig, digest, "/sha2-256")).isTrue();
        assertThat(cosignVerify("cosign-ec", sig, MessageDigest.getInstance("SHA-256").digest("tampered".getBytes(StandardCharsets.UTF_8)), "/sha2-256")).isFalse();
    }

    @Test
    void cosignHashivaultSignerWithRsaPkcs1v15() throws Exception {
        byte[] payload = "image manifest".getBytes(StandardCharsets.UTF_8);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(payload);
        t.write("keys/cosign-rsa", "{\"type\":\"rsa-2048\"}");
        PublicKey pub = cosignFetchPublicKey("cosign-rsa");
        byte[] sig = cosignSign("cosign-rsa", digest, "/sha2-256");
        Signature local = Signature.getInstance("SHA256withRSA");
        local.initVerify(pub);
        local.update(payload);
        assertThat(local.verify(sig)).as("a PKCS#1 v1.5 SHA-256 signature over the prehashed digest").isTrue();
        // cosign's remote verify does not send signature_algorithm; like Vault, verification then defaults to PSS,
        // so the PKCS#1 v1.5 signature does not verify remotely (cosign verifies RSA locally with the public key).
        assertThat(cosignVerify("cosign-rsa", sig, digest, "/sha2-256")).isFalse();
        Map<String, Object> explicit = t.writeData("verify/cosign-rsa/sha2-256", "{\"input\":\"" + b64(digest) + "\",\"prehashed\":true,"
                + "\"signature_algorithm\":\"pkcs1v15\",\"signature\":\"vault:v1:" + b64(sig) + "\"}");
        assertThat(explicit).containsEntry("valid", true);
    }

    @Test
    void cosignHashivaultSignerWithEd25519SignsTheWholeMessage() throws Exception {
        byte[] payload = "ed25519 payload".getBytes(StandardCharsets.UTF_8);
        t.write("keys/cosign-ed", "{\"type\":\"ed25519\"}");
        PublicKey pub = cosignFetchPublicKey("cosign-ed");
        byte[] sig = cosignSign("cosign-ed", payload, ""); // crypto.Hash(0): no URL hash, prehashed false
        Signature local = Signature.getInstance("Ed25519");
        local.initVerify(pub);
        local.update(payload);
        assertThat(local.verify(sig)).isTrue();
        assertThat(cosignVerify("cosign-ed", sig, payload, "")).isTrue();
    }

    @Test
    void cosignSignsWithAPinnedKeyVersionAfterRotation() throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("x".getBytes(StandardCharsets.UTF_8));
        t.write("keys/cosign-ec", "{\"type\":\"ecdsa-p256\"}");
        t.write("keys/cosign-ec/rotate", null);
        Map<String, Object> data = t.writeData("sign/cosign-ec/sha2-256", "{\"input\":\"" + b64(digest) + "\",\"prehashed\":true,\"key_version\":\"1\",\"signature_algorithm\":\"pkcs1v15\"}");
        assertThat((String) data.get("signature")).startsWith("vault:v1:");
        assertThat((String) t.writeData("sign/cosign-ec/sha2-256", "{\"input\":\"" + b64(digest) + "\",\"prehashed\":true,\"key_version\":\"0\"}").get("signature")).startsWith("vault:v2:");
    }

    /** SOPS: encrypt the data key with {"plaintext": base64}, read data.ciphertext; decrypt reads data.plaintext. */
    private void sopsRoundTrip(String key) {
        byte[] dataKey = KeyPolicy.randomBytes(32);
        Map<String, Object> enc = t.writeData("encrypt/" + key, "{\"plaintext\":\"" + Base64.getEncoder().encodeToString(dataKey) + "\"}");
        Object ciphertext = enc.get("ciphertext");
        assertThat(ciphertext).isInstanceOf(String.class);
        assertThat((String) ciphertext).startsWith("vault:v1:");
        Map<String, Object> dec = t.writeData("decrypt/" + key, "{\"ciphertext\":\"" + ciphertext + "\"}");
        Object plaintext = dec.get("plaintext");
        assertThat(plaintext).isInstanceOf(String.class);
        assertThat(Base64.getDecoder().decode((String) plaintext)).isEqualTo(dataKey);
    }

    @Test
    void sopsHcVaultTransitDataKeyWithAnAesKey() {
        t.write("keys/sops", "{}");
        sopsRoundTrip("sops");
    }

    @Test
    void sopsTestHelperKeyTypeRsa4096EncryptsDataKeys() {
        // SOPS's createVaultTransitAndKey: POST keys/<name> {"type":"rsa-4096"} then GET keys/<name>
        t.write("keys/sops-rsa", "{\"type\":\"rsa-4096\"}");
        assertThat(t.wire(t.read("keys/sops-rsa"))).containsEntry("type", "rsa-4096").containsEntry("supports_encryption", true);
        sopsRoundTrip("sops-rsa");
    }
}
