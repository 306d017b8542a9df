package dev.keyhaven.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.notify.WebhookSigner;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

class RotationPropertiesTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Property(tries = 200)
    void alphabetValuesHaveTheRequestedLengthAndOnlyAlphabetCharacters(@ForAll @StringLength(min = 2, max = 40) String alphabet,
                                                                        @ForAll @IntRange(min = 1, max = 200) int length) {
        String v = RandomValues.fromAlphabet(RANDOM, alphabet, length);
        assertThat(v.codePointCount(0, v.length())).isEqualTo(length);
        v.codePoints().forEach(cp -> assertThat(alphabet.codePoints().anyMatch(a -> a == cp)).isTrue());
    }

    @Property(tries = 300)
    void policyParsingNeverFailsWithAnythingButA400(@ForAll String path, @ForAll String interval, @ForAll String overlap,
                                                     @ForAll String rotator, @ForAll String key, @ForAll String value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("interval", interval);
        m.put("overlap", overlap);
        m.put("rotator", rotator);
        m.putIfAbsent(key, value);
        try {
            RotationPolicy p = RotationPolicy.parse("p", m);
            assertThat(p.overlapSeconds()).isLessThan(p.intervalSeconds());
        } catch (KeyhavenException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        }
    }

    @Property(tries = 200)
    void anySignedBodyVerifiesAndAnyChangedByteDoesNot(@ForAll byte[] body, @ForAll @IntRange(min = 0, max = 1000) int flipAt) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        WebhookSigner s = new WebhookSigner(secret);
        Instant now = Instant.ofEpochSecond(1_800_000_000L);
        String header = s.header(now, body);
        assertThat(s.verify(header, body, now)).isTrue();
        if (body.length > 0) {
            byte[] changed = body.clone();
            changed[flipAt % body.length] ^= 1;
            assertThat(s.verify(header, changed, now)).isFalse();
        }
    }
}
