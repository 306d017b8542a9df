package dev.keyhaven.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The one-pass key validator accepts exactly what the plain rule-by-rule definition accepts. */
class StorageKeysPropertiesTest {
    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("ab./\u0001\u007f\u0085é€").ofMinLength(0).ofMaxLength(12),
                Arbitraries.strings().withChars('a', '/', '.', '\uD83D', '\uDE00', 'ß').ofMaxLength(10),
                Arbitraries.strings().withChars("xyz/").ofMinLength(1000).ofMaxLength(1100),
                Arbitraries.strings().withChars("€/").ofMinLength(330).ofMaxLength(360));
    }

    @Property(tries = 3000)
    void onePassValidatorMatchesTheDefinition(@ForAll("keys") String key) {
        assertThat(accepts(key)).as("key of length %d", key.length()).isEqualTo(reference(key));
    }

    private static boolean accepts(String key) {
        try {
            StorageKeys.validate(key);
            return true;
        } catch (StorageException e) {
            return false;
        }
    }

    /** The rules written out plainly: UTF-8 length, no leading/trailing '/', no empty, '.' or '..' segment, no control characters, no unpaired surrogates. */
    private static boolean reference(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.endsWith("/")) return false;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) return false;
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= key.length() || !Character.isLowSurrogate(key.charAt(i + 1))) return false;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > StorageKeys.MAX_KEY_BYTES) return false;
        for (String seg : key.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) return false;
        }
        return true;
    }
}
