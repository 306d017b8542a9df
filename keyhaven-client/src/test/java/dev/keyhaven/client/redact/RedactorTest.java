package dev.keyhaven.client.redact;

import dev.keyhaven.client.Canary;
import dev.keyhaven.client.Secret;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class RedactorTest {

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private final Redactor r = Redactor.create();

    @Test
    void registeredValuesAreMaskedEverywhereTheyOccur() {
        String v = Canary.value("pw");
        r.add(Secret.of(v));
        assertThat(r.redact("a " + v + " b " + v)).isEqualTo("a **** b ****");
        assertThat(r.size()).isEqualTo(1);
    }

    @Test
    void longerValuesAreMaskedBeforeTheirSubstrings() {
        String shortV = Canary.value("s");
        String longV = shortV + "-and-more";
        r.add(Secret.of(shortV));
        r.add(Secret.of(longV));
        assertThat(r.redact("x " + longV + " y")).isEqualTo("x **** y");
    }

    @Test
    void valuesShorterThanFourCharactersAreNotMasked() {
        r.add(Secret.of("abc"));
        r.add(Secret.of("1"));
        assertThat(r.redact("abc 1 abcd")).isEqualTo("abc 1 abcd");
        assertThat(r.size()).isZero();
    }

    @Test
    void eachLineOfAMultiLineValueIsMaskedToo() {
        String l1 = Canary.value("line-one");
        String l2 = Canary.value("line-two");
        r.add(Secret.of(l1 + "\n" + l2 + "\n"));
        assertThat(r.redact("got " + l2)).isEqualTo("got ****");
    }

    @Test
    void commonTokenShapesAreMaskedEvenIfNeverLoaded() {
        String vault = "hvs." + Canary.chars(ALNUM, 24);
        String github = "ghp_" + Canary.chars(ALNUM, 36);
        String aws = "AKIA" + Canary.chars(UPPER_DIGITS, 16);
        String slack = "xoxb-" + Canary.chars("0123456789", 12) + "-" + Canary.chars(ALNUM, 20);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String jwt = b64.encodeToString("{\"alg\":\"HS256\"}".getBytes()) + "."
                + b64.encodeToString(("{\"sub\":\"" + Canary.value("u") + "\"}").getBytes()) + "."
                + Canary.chars(ALNUM, 43);
        String pem = "-----BEGIN " + "PRIVATE KEY-----\n" + Canary.chars(ALNUM, 64) + "\n-----END " + "PRIVATE KEY-----";
        String bearer = Canary.chars(ALNUM, 30);
        String text = String.join(" | ", vault, github, aws, slack, jwt, pem, "Authorization: Bearer " + bearer,
                "X-Vault-Token: " + bearer);
        String out = r.redact(text);
        for (String s : new String[] {vault, github, aws, slack, jwt, pem, bearer}) {
            assertThat(out).doesNotContain(s);
        }
        assertThat(out).contains("Authorization: Bearer ****").contains("X-Vault-Token: ****");
        assertThat(Redactor.valuesOnly().redact(vault)).isEqualTo(vault);
        assertThat(r.redact("{\"Authorization\":\"Bearer " + bearer + "\",\"X-Vault-Token\": \"" + bearer + "\"}"))
                .isEqualTo("{\"Authorization\":\"Bearer ****\",\"X-Vault-Token\": \"****\"}");
    }

    @Test
    void exceptionsAreCopiedWithRedactedMessagesAndTheSameStackTraces() {
        String v = Canary.value("ex");
        r.add(Secret.of(v));
        IllegalStateException original = new IllegalStateException("outer " + v,
                new IllegalArgumentException("inner " + v));
        original.addSuppressed(new RuntimeException("suppressed " + v));
        Throwable copy = r.redact(original);
        StringWriter sw = new StringWriter();
        copy.printStackTrace(new PrintWriter(sw));
        assertThat(sw.toString())
                .doesNotContain(v)
                .contains("java.lang.IllegalStateException: outer ****")
                .contains("Caused by: java.lang.IllegalArgumentException: inner ****")
                .contains("Suppressed: java.lang.RuntimeException: suppressed ****")
                .contains("RedactorTest");
        assertThat(copy.getStackTrace()).isEqualTo(original.getStackTrace());
    }

    @Test
    void exceptionsWithoutSecretsAreReturnedAsIs() {
        RuntimeException e = new RuntimeException("harmless");
        assertThat(r.redact(e)).isSameAs(e);
    }

    @Test
    void clearForgetsValues() {
        String v = Canary.value("c");
        r.add(Secret.of(v));
        r.clear();
        assertThat(r.redact(v)).isEqualTo(v);
    }
}
