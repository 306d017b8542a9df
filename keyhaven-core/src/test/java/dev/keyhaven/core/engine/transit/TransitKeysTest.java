package dev.keyhaven.core.engine.transit;

import static dev.keyhaven.core.engine.transit.TransitFixture.b64;
import static dev.keyhaven.core.engine.transit.TransitFixture.unb64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TransitKeysTest {
    private final TransitFixture t = new TransitFixture();

    @Test
    void symmetricKeyReadHasVaultsShapeWithUnixCreationTimes() {
        t.write("keys/app", "{}");
        Map<String, Object> d = t.wire(t.read("keys/app"));
        assertThat(d).containsEntry("name", "app").containsEntry("type", "aes256-gcm96").containsEntry("derived", false)
                .containsEntry("latest_version", 1).containsEntry("min_decryption_version", 1).containsEntry("min_encryption_version", 0)
                .containsEntry("min_available_version", 0).containsEntry("deletion_allowed", false).containsEntry("exportable", false)
                .containsEntry("allow_plaintext_backup", false).containsEntry("supports_encryption", true).containsEntry("supports_decryption", true)
                .containsEntry("supports_signing", false).containsEntry("supports_derivation", true).containsEntry("auto_rotate_period", 0)
                .containsEntry("imported_key", false);
        assertThat(TransitFixture.map(d.get("keys"))).containsExactly(Map.entry("1", (Object) 1768471200));
    }

    @Test
    void asymmetricKeyReadCarriesPemPublicKeysPerVersion() throws Exception {
        t.write("keys/ec", "{\"type\":\"ecdsa-p256\"}");
        t.write("keys/ec/rotate", null);
        Map<String, Object> d = t.wire(t.read("keys/ec"));
        assertThat(d).containsEntry("latest_version", 2).containsEntry("supports_signing", true).containsEntry("supports_encryption", false);
        Map<String, Object> keys = TransitFixture.map(d.get("keys"));
        assertThat(keys.keySet()).containsExactly("1", "2");
        Map<?, ?> v2 = (Map<?, ?>) keys.get("2");
        assertThat(v2.get("name")).isEqualTo("P-256");
        assertThat(v2.get("creation_time")).isEqualTo("2026-01-15T10:00:00Z");
        String pem = (String) v2.get("public_key");
        ECPublicKey pk = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(
                Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""))));
        assertThat(pk.getParams().getOrder().bitLength()).isEqualTo(256);
        assertThat(keys.get("1")).isNotEqualTo(v2);
    }

    @Test
    void listsKeysAndAnswersAnEmptyListWith404() {
        assertThat(t.error(Operation.LIST, "keys", null).code().httpStatus()).isEqualTo(404);
        t.write("keys/b", "{}");
        t.write("keys/a", "{\"type\":\"ed25519\"}");
        assertThat(t.wire(t.call(Operation.LIST, "keys", null))).containsEntry("keys", List.of("a", "b"));
    }

    @Test
    void createIsIdempotentAndWarnsWhenTheKeyExisted() {
        t.write("keys/app", "{}");
        Response again = t.write("keys/app", "{\"type\":\"rsa-2048\"}");
        assertThat(again.warnings()).containsExactly("key app already existed");
        assertThat(t.wire(t.read("keys/app"))).containsEntry("type", "aes256-gcm96");
    }

    @Test
    void deleteNeedsDeletionAllowed() {
        t.write("keys/app", "{}");
        assertThat(t.error(Operation.DELETE, "keys/app", null).errors()).containsExactly("error deleting policy app: deletion is not allowed for this key");
        t.write("keys/app/config", "{\"deletion_allowed\":true}");
        assertThat(t.call(Operation.DELETE, "keys/app", null).status()).isEqualTo(204);
        assertThat(t.error(Operation.READ, "keys/app", null).code().httpStatus()).isEqualTo(404);
        assertThat(t.storage.list("")).isEmpty();
    }

    @Test
    void configValidatesVersionsAndOneWaySwitches() {
        t.write("keys/app", "{\"exportable\":true}");
        t.write("keys/app/rotate", null);
        assertThat(t.writeError("keys/app/config", "{\"min_decryption_version\":3}").errors()).containsExactly("cannot set min decryption version of 3, latest key version is 2");
        assertThat(t.writeError("keys/app/config", "{\"min_decryption_version\":2,\"min_encryption_version\":1}").errors().get(0))
                .contains("must be greater than or equal to min decryption version");
        assertThat(t.writeError("keys/app/config", "{\"exportable\":false}").errors()).containsExactly("exportable key cannot be made non-exportable");
        assertThat(t.writeError("keys/app/config", "{\"auto_rotate_period\":\"10m\"}").errors()).containsExactly("auto rotate period must be 0 to disable or at least an hour");
        assertThat(t.writeError("keys/app/config", "{\"jwks_published\":true}").errors().get(0)).contains("only asymmetric signing keys");
        assertThat(t.writeError("keys/app/config", "{\"min_decryption_version\":\"two\"}").errors()).containsExactly("field min_decryption_version must be an integer");
        Map<String, Object> ok = t.writeData("keys/app/config", "{\"min_decryption_version\":\"2\",\"auto_rotate_period\":\"24h\",\"deletion_allowed\":\"true\"}");
        assertThat(ok).containsEntry("min_decryption_version", 2).containsEntry("auto_rotate_period", 86400).containsEntry("deletion_allowed", true);
        assertThat(t.writeError("keys/nokey/config", "{}").errors()).containsExactly("no existing key named nokey could be found");
    }

    @Test
    void trimRemovesOldVersionsPermanently() {
        t.write("keys/app", "{}");
        String v1 = (String) t.writeData("encrypt/app", "{\"plaintext\":\"" + b64("old") + "\"}").get("ciphertext");
        t.write("keys/app/rotate", null);
        t.write("keys/app/rotate", null);
        assertThat(t.writeError("keys/app/trim", "{\"min_available_version\":2}").errors())
                .containsExactly("minimum available version cannot be set when minimum encryption version is not set");
        t.write("keys/app/config", "{\"min_decryption_version\":2,\"min_encryption_version\":3}");
        assertThat(t.writeError("keys/app/trim", "{\"min_available_version\":3}").errors())
                .containsExactly("minimum available version cannot be greater than minimum decryption version");
        Map<String, Object> trimmed = t.writeData("keys/app/trim", "{\"min_available_version\":2}");
        assertThat(trimmed).containsEntry("min_available_version", 2);
        assertThat(TransitFixture.map(trimmed.get("keys")).keySet()).containsExactly("2", "3");
        t.write("keys/app/config", "{\"min_decryption_version\":2}");
        assertThat(t.writeError("keys/app/config", "{\"min_decryption_version\":1}").errors()).containsExactly("min decryption version should not be less then min available version");
        assertThat(t.writeError("decrypt/app", "{\"ciphertext\":\"" + v1 + "\"}").code().httpStatus()).isEqualTo(400);
        assertThat(t.writeError("keys/app/trim", "{\"min_available_version\":1}").errors()).containsExactly("minimum available version cannot be decremented");
    }

    @Test
    void rotateDueRotatesOnlyKeysWhosePeriodElapsed() {
        t.write("keys/daily", "{\"auto_rotate_period\":\"24h\"}");
        t.write("keys/manual", "{}");
        t.clock.advance(Duration.ofHours(23));
        assertThat(t.engine.rotateDue(t.clock.instant())).isEmpty();
        t.clock.advance(Duration.ofHours(1));
        assertThat(t.engine.rotateDue(t.clock.instant())).containsExactly("daily");
        assertThat(t.wire(t.read("keys/daily"))).containsEntry("latest_version", 2);
        assertThat(t.wire(t.read("keys/manual"))).containsEntry("latest_version", 1);
        assertThat(t.engine.rotateDue(t.clock.instant())).as("the new version restarts the period").isEmpty();
        t.clock.advance(Duration.ofHours(24));
        assertThat(t.engine.rotateDue(t.clock.instant())).containsExactly("daily");
    }

    @Test
    void exportOnlyWhenExportable() throws Exception {
        t.write("keys/ed", "{\"type\":\"ed25519\"}");
        assertThat(t.error(Operation.READ, "export/signing-key/ed", null).errors()).containsExactly("private key material is not exportable");
        Map<String, Object> pub = t.wire(t.read("export/public-key/ed"));
        assertThat(unb64(((Map<?, ?>) pub.get("keys")).get("1"))).hasSize(32);
        t.write("keys/ed/config", "{\"exportable\":true}");
        Map<String, Object> priv = t.wire(t.read("export/signing-key/ed/latest"));
        byte[] seedAndPub = unb64(((Map<?, ?>) priv.get("keys")).get("1"));
        assertThat(seedAndPub).hasSize(64);
        assertThat(java.util.Arrays.copyOfRange(seedAndPub, 32, 64)).isEqualTo(unb64(((Map<?, ?>) pub.get("keys")).get("1")));
        assertThat(priv).containsEntry("name", "ed").containsEntry("type", "ed25519");
        assertThat(t.error(Operation.READ, "export/encryption-key/ed", null).code().httpStatus()).isEqualTo(400);
        assertThat(t.error(Operation.READ, "export/bogus/ed", null).errors()).containsExactly("invalid export type: bogus");
    }

    @Test
    void ecdsaExportIsSec1WithCurveAndPublicPoint() throws Exception {
        t.write("keys/ec", "{\"type\":\"ecdsa-p384\",\"exportable\":true}");
        String pem = (String) ((Map<?, ?>) t.wire(t.read("export/signing-key/ec/1")).get("keys")).get("1");
        assertThat(pem).startsWith("-----BEGIN EC PRIVATE KEY-----\n").endsWith("-----END EC PRIVATE KEY-----\n");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        Der.Tlv seq = Der.read(der, 0);
        Der.Tlv version = Der.read(der, seq.start());
        Der.Tlv d = Der.read(der, version.end());
        Der.Tlv params = Der.read(der, d.end());
        Der.Tlv pubBits = Der.read(der, params.end());
        assertThat(version.content()).containsExactly(1);
        assertThat(d.content()).hasSize(48);
        assertThat(params.tag()).isEqualTo(0xa0);
        assertThat(pubBits.tag()).isEqualTo(0xa1);
        // the private scalar times the generator is the published public point
        String pubPem = (String) ((Map<?, ?>) ((Map<?, ?>) t.wire(t.read("keys/ec")).get("keys")).get("1")).get("public_key");
        ECPublicKey pk = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(pubPem.replaceAll("-----[A-Z ]+-----", ""))));
        byte[] point = Der.read(pubBits.content(), 0).content();
        assertThat(point[0]).as("no unused bits").isEqualTo((byte) 0);
        assertThat(point[1]).as("uncompressed point").isEqualTo((byte) 4);
        assertThat(new BigInteger(1, java.util.Arrays.copyOfRange(point, 2, 50))).isEqualTo(pk.getW().getAffineX());
        var priv = KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.ECPrivateKeySpec(new BigInteger(1, d.content()), pk.getParams()));
        var s = java.security.Signature.getInstance("SHA384withECDSA");
        s.initSign(priv);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        var v = java.security.Signature.getInstance("SHA384withECDSA");
        v.initVerify(pk);
        v.update(new byte[] {1, 2, 3});
        assertThat(v.verify(sig)).as("exported private scalar matches the published public key").isTrue();
    }

    @Test
    void backupAndRestoreRoundTripOnlyWhenAllowed() {
        t.write("keys/app", "{}");
        String ct = (String) t.writeData("encrypt/app", "{\"plaintext\":\"" + b64("keep me") + "\"}").get("ciphertext");
        assertThat(t.error(Operation.READ, "backup/app", null).errors().get(0)).contains("not allowed");
        t.write("keys/app/config", "{\"exportable\":true,\"allow_plaintext_backup\":true}");
        String backup = (String) t.wire(t.read("backup/app")).get("backup");
        assertThat(t.writeError("restore", "{\"backup\":\"" + backup + "\"}").errors()).containsExactly("key \"app\" already exists");
        assertThat(t.write("restore/copy", "{\"backup\":\"" + backup + "\"}").status()).isEqualTo(204);
        assertThat(unb64(t.writeData("decrypt/copy", "{\"ciphertext\":\"" + ct + "\"}").get("plaintext"))).asString().isEqualTo("keep me");
        assertThat(t.wire(t.read("keys/copy"))).containsKey("restore_info");
        assertThat(t.writeError("restore/x", "{\"backup\":\"" + b64("{}") + "\"}").errors().get(0)).contains("not a transit key backup");
    }

    @Test
    void badNamesAndPathsAreClear4xx() {
        assertThat(t.writeError("keys/bad name", "{}").code().httpStatus()).isEqualTo(400);
        assertThat(t.writeError("keys/-x", "{}").code().httpStatus()).isEqualTo(400);
        assertThat(t.writeError("keys/app", "{\"type\":\"des\"}").errors().get(0)).startsWith("unknown key type des");
        assertThat(t.writeError("nonsense/app", "{}").code().httpStatus()).isEqualTo(404);
        assertThat(t.error(Operation.READ, "encrypt/app", null).code().httpStatus()).isEqualTo(405);
        assertThat(t.writeError("keys/app", "{\"type\":\"hmac\",\"key_size\":8}").errors()).containsExactly("invalid key_size 8");
    }

    @Test
    void keyMaterialNeverAppearsInErrorsToStringOrLogsAndStorageHoldsOnlyThePolicy() {
        t.write("keys/app", "{\"exportable\":true}");
        String key = (String) ((Map<?, ?>) t.wire(t.read("export/encryption-key/app")).get("keys")).get("1");
        String canary = "CANARY-" + java.util.UUID.randomUUID();
        String ct = (String) t.writeData("encrypt/app", "{\"plaintext\":\"" + b64(canary) + "\"}").get("ciphertext");
        byte[] body = unb64(ct.substring(9));
        body[20] ^= 1;
        var e = t.writeError("decrypt/app", "{\"ciphertext\":\"vault:v1:" + b64(body) + "\"}");
        assertThat(String.valueOf(e.getMessage()) + e.errors()).doesNotContain(canary, key, b64(canary));
        KeyPolicy p = new PolicyStore(t.storage).get("app").orElseThrow();
        assertThat(p.toString()).doesNotContain(key);
        assertThat(p.keys.get(1).toString()).doesNotContain(key).contains("redacted");
        assertThat(t.storage.list("")).containsExactly("policy/");
        assertThat(new String(t.storage.get("policy/app").orElseThrow(), StandardCharsets.UTF_8)).doesNotContain(canary);
    }
}
