package dev.keyhaven.core.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private final byte[] secret = randomSecret();
    private final byte[] body = "{\"event\":\"rotation.requested\"}".getBytes(StandardCharsets.UTF_8);

    private static byte[] randomSecret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }

    @Test
    void headerIsStripeShapedAndMatchesAnIndependentHmacOverTimestampDotBody() throws Exception {
        String header = new WebhookSigner(secret).header(NOW, body);
        assertThat(header).matches("t=" + NOW.getEpochSecond() + ",v1=[0-9a-f]{64}");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        byte[] expected = mac.doFinal((NOW.getEpochSecond() + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        assertThat(header).endsWith("v1=" + HexFormat.of().formatHex(expected));
    }

    @Test
    void verifyAcceptsOwnSignatureWithinTolerance() {
        WebhookSigner s = new WebhookSigner(secret);
        String h = s.header(NOW, body);
        assertThat(s.verify(h, body, NOW.plusSeconds(299))).isTrue();
        assertThat(s.verify(h, body, NOW.minusSeconds(299))).isTrue();
    }

    @Test
    void verifyRejectsTamperedBodyOtherSecretOldTimestampAndGarbage() {
        WebhookSigner s = new WebhookSigner(secret);
        String h = s.header(NOW, body);
        assertThat(s.verify(h, "{}".getBytes(StandardCharsets.UTF_8), NOW)).isFalse();
        assertThat(new WebhookSigner(randomSecret()).verify(h, body, NOW)).isFalse();
        assertThat(s.verify(h, body, NOW.plus(Duration.ofMinutes(6)))).isFalse();
        String shiftedT = h.replace("t=" + NOW.getEpochSecond(), "t=" + (NOW.getEpochSecond() + 1));
        assertThat(s.verify(shiftedT, body, NOW)).isFalse();
        for (String bad : new String[] {"", "garbage", "t=abc,v1=00", "v1=" + "0".repeat(64), "t=1,t=2,v1=" + "0".repeat(64), "t=1,v1=zz" + "0".repeat(62)}) {
            assertThat(s.verify(bad, body, NOW)).as(bad).isFalse();
        }
        assertThat(s.verify(null, body, NOW)).isFalse();
    }

    @Test
    void verifyAcceptsAnyOfSeveralV1EntriesDuringSecretChange() {
        WebhookSigner oldS = new WebhookSigner(randomSecret());
        WebhookSigner newS = new WebhookSigner(secret);
        String both = "t=" + NOW.getEpochSecond() + ",v1=" + oldS.signature(NOW.getEpochSecond(), body)
                + ",v1=" + newS.signature(NOW.getEpochSecond(), body) + ",v0=ignored";
        assertThat(newS.verify(both, body, NOW)).isTrue();
        assertThat(oldS.verify(both, body, NOW)).isTrue();
    }

    @Test
    void shortSecretsAreRejectedAndToStringIsRedacted() {
        assertThatThrownBy(() -> new WebhookSigner(new byte[8])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("\0");
        String canary = "canary-" + HexFormat.of().formatHex(randomSecret());
        WebhookSigner s = WebhookSigner.ofUtf8(canary);
        assertThat(s.toString()).doesNotContain(canary).contains("redacted");
    }
}
