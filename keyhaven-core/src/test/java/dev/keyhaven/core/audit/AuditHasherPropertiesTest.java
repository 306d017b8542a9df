package dev.keyhaven.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** The audit HMAC (precomputed key blocks, cloned digests) is exactly the JDK's HmacSHA256, for any salt and value. */
class AuditHasherPropertiesTest {
    @Property(tries = 300)
    void equalsTheJdkHmac(@ForAll @Size(min = 16, max = 200) byte[] salt, @ForAll @StringLength(max = 300) String value) throws Exception {
        AuditHasher h = new AuditHasher(salt);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt, "HmacSHA256"));
        String expected = AuditHasher.PREFIX + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        assertThat(h.hash(value)).isEqualTo(expected);
        // the remembered, pre-quoted form of repeated values (tokens, accessors) is the same HMAC, asked twice
        String quoted = "\"" + expected + "\"";
        assertThat(new String(h.repeated(value), StandardCharsets.US_ASCII)).isEqualTo(quoted);
        assertThat(new String(h.repeated(value), StandardCharsets.US_ASCII)).isEqualTo(quoted);
    }
}
