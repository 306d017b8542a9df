package dev.keyhaven.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sealing a body and hashing the line: the fast paths give exactly the bytes and hashes of the plain definitions. */
class AuditChainTest {
    private static final String DIGEST = AuditChain.sha256Hex("previous line".getBytes(StandardCharsets.UTF_8));

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String line(AuditDevice.Line l) {
        return new String(l.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void theTailCarriesTheSequenceNumberAndThePredecessorForEveryNumberOfDigits() {
        for (long seq : new long[] {1, 9, 10, 99, 100, 12_345, 999_999_999_999L, Long.MAX_VALUE}) {
            AuditDevice.Line l = AuditChain.seal(seq, new byte[0], utf8("{\"a\":1}"), DIGEST);
            assertThat(line(l)).isEqualTo("{\"a\":1,\"seq\":" + seq + ",\"prev\":\"" + DIGEST + "\"}");
        }
    }

    @Test
    void anEmptyObjectGetsNoLeadingComma() {
        assertThat(line(AuditChain.seal(7, new byte[0], utf8("{}"), AuditChain.GENESIS)))
                .isEqualTo("{\"seq\":7,\"prev\":\"" + AuditChain.GENESIS + "\"}");
    }

    @Test
    void aPredecessorThatIsNotADigestIsEscapedSoTheLineStaysJson() {
        String odd = "x\"y\\z\u0001é";
        AuditDevice.Line l = AuditChain.seal(3, utf8("p:"), utf8("{\"a\":1}"), odd);
        String text = line(l);
        assertThat(text).startsWith("p:{\"a\":1,\"seq\":3,\"prev\":");
        Map<String, Object> parsed = Json.parseObject(utf8(text.substring(2)));
        assertThat(parsed).containsEntry("prev", odd).containsEntry("seq", 3);
    }

    @Test
    void aStartedHashFinishedWithTheTailEqualsTheHashOfTheWholeLine() {
        byte[] prefix = utf8("audit: ");
        byte[] body = utf8("{\"type\":\"request\",\"v\":\"" + "é".repeat(100) + "\"}");
        AuditChain.Body started = AuditChain.startLine(prefix, body);
        for (long seq : new long[] {1, 42, 1_000_000}) {
            AuditDevice.Line l = AuditChain.seal(seq, prefix, body, DIGEST);
            // twice: finishing clones the started state and leaves it as it was, so a second device can use it too
            assertThat(AuditChain.hashWithTail(started, l)).isEqualTo(AuditChain.sha256Hex(l.bytes()));
            assertThat(AuditChain.hashWithTail(started, l)).isEqualTo(AuditChain.sha256Hex(l.bytes()));
        }
    }

    @Test
    void aBodyStartedForAnotherPrefixOrNotStartedIsHashedWhole() {
        byte[] body = utf8("{\"a\":\"b\"}");
        AuditChain.Body startedWithout = AuditChain.startLine(new byte[0], body);
        AuditDevice.Line withPrefix = AuditChain.seal(5, utf8("pre"), body, DIGEST);
        assertThat(AuditChain.hashWithTail(startedWithout, withPrefix)).isEqualTo(AuditChain.sha256Hex(withPrefix.bytes()));
        AuditChain.Body plain = new AuditChain.Body(body);
        AuditDevice.Line l = AuditChain.seal(6, new byte[0], body, DIGEST);
        assertThat(AuditChain.hashWithTail(plain, l)).isEqualTo(AuditChain.sha256Hex(l.bytes()));
    }

    @Test
    void onlyJsonObjectsCanBeStarted() {
        assertThatThrownBy(() -> AuditChain.startLine(new byte[0], utf8("[1]"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditChain.startLine(new byte[0], utf8("{"))).isInstanceOf(IllegalArgumentException.class);
    }
}
