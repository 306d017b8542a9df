package dev.keyhaven.client;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretTest {

    private final String canary = "canary-" + System.nanoTime();

    @Test
    void toStringIsRedactedEvenInsideCollectionsAndRecords() {
        Secret s = Secret.of(canary);
        assertThat(s.toString()).isEqualTo("Secret[****]");
        assertThat(java.util.List.of(s).toString()).doesNotContain(canary);
        assertThat(new Versioned("N", s, java.util.OptionalInt.of(2), "src", "loc").toString()).doesNotContain(canary);
        assertThat(String.valueOf(s)).doesNotContain(canary);
    }

    @Test
    void revealCharsAndBytesReturnTheValueAsFreshCopies() {
        Secret s = Secret.of("pä$$");
        assertThat(s.reveal()).isEqualTo("pä$$");
        char[] c = s.chars();
        c[0] = 'X';
        assertThat(s.chars()).containsExactly('p', 'ä', '$', '$');
        byte[] b = s.bytes();
        b[0] = 0;
        assertThat(s.bytes()).isEqualTo("pä$$".getBytes(StandardCharsets.UTF_8));
        assertThat(s.byteLength()).isEqualTo(5);
    }

    @Test
    void equalityIsByValueAndMatchesWorksForEveryForm() {
        Secret a = Secret.of(canary);
        assertThat(a).isEqualTo(Secret.of(canary.toCharArray())).isNotEqualTo(Secret.of(canary + "x"));
        assertThat(a.matches(canary)).isTrue();
        assertThat(a.matches(canary.toCharArray())).isTrue();
        assertThat(a.matches(canary.getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(a.matches("other")).isFalse();
        assertThat(a.hashCode()).isEqualTo(Secret.of("anything else").hashCode());
    }

    @Test
    void emptyAndBlankAreDetected() {
        assertThat(Secret.of("").isEmpty()).isTrue();
        assertThat(Secret.of(" \t\n").isBlank()).isTrue();
        assertThat(Secret.of(" x ").isBlank()).isFalse();
    }

    @Test
    void invalidUtf8IsRejectedWithoutEchoingTheBytes() {
        assertThatThrownBy(() -> Secret.ofUtf8(new byte[] {(byte) 0xC3, 0x28}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret bytes are not valid UTF-8");
    }

    @Test
    void placeholdersAreRecognised() {
        for (String p : new String[] {"CHANGEME", "changeme_please", "your_api_key_here", "YOUR-TOKEN-HERE", "<db password>", "replace_me", "TODO", "xxxxx"}) {
            assertThat(Placeholders.isPlaceholder(Secret.of(p))).as(p).isTrue();
        }
        for (String p : new String[] {"hunter2-but-long", "youthful_here", "a<b>", "x"}) {
            assertThat(Placeholders.isPlaceholder(Secret.of(p))).as(p).isFalse();
        }
    }
}
