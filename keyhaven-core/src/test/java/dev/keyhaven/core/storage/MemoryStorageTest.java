package dev.keyhaven.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test store must honour the SPI, or the engine tests prove nothing. */
class MemoryStorageTest {
    private final MemoryStorage s = new MemoryStorage();

    private static byte[] b(String v) {
        return v.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void listReturnsDirectChildrenWithFoldersOnceAndSorted() {
        for (String k : List.of("a", "a/x", "a/y/z", "a-b", "b/c", "ä", "z")) s.put(k, b("v"));
        assertThat(s.list("")).containsExactly("a", "a-b", "a/", "b/", "z", "ä");
        assertThat(s.list("a/")).containsExactly("x", "y/");
        assertThat(s.list("nothing/")).isEmpty();
    }

    @Test
    void compareAndSetAppliesOnlyOnExpectedValue() {
        assertThat(s.compareAndSet("k", null, b("1"))).isTrue();
        assertThat(s.compareAndSet("k", null, b("2"))).isFalse();
        assertThat(s.compareAndSet("k", b("0"), b("2"))).isFalse();
        assertThat(s.compareAndSet("k", b("1"), b("2"))).isTrue();
        assertThat(s.compareAndSet("k", b("2"), null)).isTrue();
        assertThat(s.get("k")).isEmpty();
    }

    @Test
    void batchIsAllOrNothingOnInvalidKeys() {
        assertThatThrownBy(() -> s.batch(List.of(StorageOp.put("ok", b("1")), StorageOp.put("../bad", b("2")))))
                .isInstanceOf(StorageException.class);
        assertThat(s.get("ok")).isEmpty();
    }

    @Test
    void valuesAreCopied() {
        byte[] v = b("abc");
        s.put("k", v);
        v[0] = 'x';
        s.get("k").orElseThrow()[1] = 'y';
        assertThat(new String(s.get("k").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("abc");
    }
}
