package dev.keyhaven.core.engine.transit;

import static dev.keyhaven.core.engine.transit.TransitFixture.b64;
import static dev.keyhaven.core.engine.transit.TransitFixture.unb64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.KeyhavenException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class TransitRoundTripPropertiesTest {
    private final TransitFixture t = new TransitFixture();

    TransitRoundTripPropertiesTest() {
        t.write("keys/aes", "{}");
        t.write("keys/cc", "{\"type\":\"chacha20-poly1305\"}");
        t.write("keys/aes128", "{\"type\":\"aes128-gcm96\"}");
    }

    @Property(tries = 100)
    void decryptInvertsEncrypt(@ForAll @Size(max = 2048) byte[] plaintext, @ForAll("keyNames") String key) {
        String ct = (String) t.writeData("encrypt/" + key, "{\"plaintext\":\"" + b64(plaintext) + "\"}").get("ciphertext");
        assertThat(unb64(t.writeData("decrypt/" + key, "{\"ciphertext\":\"" + ct + "\"}").get("plaintext"))).isEqualTo(plaintext);
    }

    @Property(tries = 100)
    void anyFlippedBitIsDetected(@ForAll @Size(min = 1, max = 256) byte[] plaintext, @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll("keyNames") String key) {
        String ct = (String) t.writeData("encrypt/" + key, "{\"plaintext\":\"" + b64(plaintext) + "\"}").get("ciphertext");
        byte[] body = unb64(ct.substring(9));
        int bit = position % (body.length * 8);
        body[bit / 8] ^= (byte) (1 << (bit % 8));
        KeyhavenException e = t.writeError("decrypt/" + key, "{\"ciphertext\":\"vault:v1:" + b64(body) + "\"}");
        assertThat(e.code().httpStatus()).isEqualTo(400);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> keyNames() {
        return net.jqwik.api.Arbitraries.of("aes", "cc", "aes128");
    }
}
