package dev.keyhaven.core.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link Storage} backend must pass. A backend's test extends this class and supplies a fresh,
 * empty store from {@link #createStorage()} (and may reopen the same store from {@link #reopen()}).
 */
public abstract class StorageContractTest {
    protected Storage storage;

    /** A new, empty store for one test. */
    protected abstract Storage createStorage() throws Exception;

    /** Closes {@link #storage} and opens the same underlying store again (for durability checks). */
    protected abstract Storage reopen(Storage closed) throws Exception;

    @BeforeEach
    void setUpStorage() throws Exception {
        storage = createStorage();
    }

    @AfterEach
    void tearDownStorage() {
        if (storage != null) storage.close();
    }

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void getOfMissingKeyIsEmpty() {
        assertThat(storage.get("nope")).isEmpty();
    }

    @Test
    void putThenGetReturnsTheSameBytes() {
        storage.put("a/b", b("value"));
        assertThat(storage.get("a/b")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("value")));
    }

    @Test
    void putOverwrites() {
        storage.put("k", b("1"));
        storage.put("k", b("2"));
        assertThat(storage.get("k").orElseThrow()).isEqualTo(b("2"));
    }

    @Test
    void emptyValueIsStoredAndDistinctFromMissing() {
        storage.put("empty", new byte[0]);
        assertThat(storage.get("empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    }

    @Test
    void deleteRemovesAndDeletingMissingKeyIsNotAnError() {
        storage.put("k", b("1"));
        storage.delete("k");
        storage.delete("k");
        assertThat(storage.get("k")).isEmpty();
    }

    @Test
    void listReturnsDirectChildrenWithFoldersEndingInSlash() {
        storage.put("app/db/password", b("x"));
        storage.put("app/db/user", b("x"));
        storage.put("app/api", b("x"));
        storage.put("app/web/deep/er", b("x"));
        storage.put("apple", b("x"));
        storage.put("other", b("x"));
        assertThat(storage.list("app/")).containsExactly("api", "db/", "web/");
        assertThat(storage.list("app/db/")).containsExactly("password", "user");
        assertThat(storage.list("")).containsExactly("app/", "apple", "other");
        assertThat(storage.list("missing/")).isEmpty();
    }

    @Test
    void aKeyThatIsAlsoAFolderIsListedTwice() {
        storage.put("a", b("x"));
        storage.put("a/b", b("x"));
        assertThat(storage.list("")).containsExactly("a", "a/");
    }

    @Test
    void listIsSortedInUtf8ByteOrder() {
        // '-' (0x2d) < '.' (0x2e) < '/' (0x2f) < '0' (0x30); U+FF5E (3 bytes) < U+1F600 (4 bytes) in UTF-8 but not in UTF-16
        String[] keys = {"p/b", "p/a-b", "p/a.b", "p/a/x", "p/a0", "p/A", "p/\uFF5E", "p/\uD83D\uDE00", "p/é"};
        for (String k : keys) storage.put(k, b("x"));
        assertThat(storage.list("p/")).containsExactly("A", "a-b", "a.b", "a/", "a0", "b", "é", "\uFF5E", "\uD83D\uDE00");
    }

    @Test
    void listOfPrefixDoesNotIncludeSiblingsSharingTheName() {
        storage.put("ab/c", b("x"));
        storage.put("a/c", b("x"));
        storage.put("a0", b("x"));
        assertThat(storage.list("a/")).containsExactly("c");
    }

    @Test
    void unicodeKeysRoundTrip() {
        String key = "ünï/cødé/鍵/😀";
        storage.put(key, b("v"));
        assertThat(storage.get(key)).isPresent();
        assertThat(storage.list("ünï/cødé/")).containsExactly("鍵/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/lead", "trail/", "a//b", "a/../b", "./a", "a/.", "ctl\u0001x", "nl\nx", "del\u007fx"})
    void invalidKeysAreRejectedAndNothingIsWritten(String key) {
        assertThatThrownBy(() -> storage.put(key, b("x"))).isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(((StorageException) e).code().httpStatus()).isEqualTo(400));
        assertThat(storage.list("")).isEmpty();
    }

    @Test
    void overlongKeyIsRejected() {
        assertThatThrownBy(() -> storage.put("k".repeat(StorageKeys.MAX_KEY_BYTES + 1), b("x"))).isInstanceOf(StorageException.class);
    }

    @Test
    void valuesOfOneMebibyteRoundTrip() {
        byte[] big = new byte[1024 * 1024];
        new Random(42).nextBytes(big);
        storage.put("big", big);
        assertThat(storage.get("big").orElseThrow()).isEqualTo(big);
    }

    @Test
    void valuesAboveTheLimitAreRejected() {
        assertThatThrownBy(() -> storage.put("huge", new byte[Storage.MAX_VALUE_BYTES + 1])).isInstanceOf(StorageException.class);
        assertThat(storage.get("huge")).isEmpty();
    }

    @Test
    void batchAppliesPutsAndDeletesTogether() {
        storage.put("gone", b("x"));
        storage.batch(List.of(StorageOp.put("one", b("1")), StorageOp.put("two", b("2")), StorageOp.delete("gone")));
        assertThat(storage.get("one")).isPresent();
        assertThat(storage.get("two")).isPresent();
        assertThat(storage.get("gone")).isEmpty();
    }

    @Test
    void batchWithAnInvalidKeyWritesNothing() {
        assertThatThrownBy(() -> storage.batch(List.of(StorageOp.put("ok", b("1")), StorageOp.put("bad//key", b("2")))))
                .isInstanceOf(StorageException.class);
        assertThat(storage.get("ok")).isEmpty();
    }

    @Test
    void compareAndSetCreatesOnlyWhenAbsent() {
        assertThat(storage.compareAndSet("c", null, b("1"))).isTrue();
        assertThat(storage.compareAndSet("c", null, b("2"))).isFalse();
        assertThat(storage.get("c").orElseThrow()).isEqualTo(b("1"));
    }

    @Test
    void compareAndSetReplacesOnlyTheExpectedValue() {
        storage.put("c", b("1"));
        assertThat(storage.compareAndSet("c", b("other"), b("2"))).isFalse();
        assertThat(storage.compareAndSet("c", b("1"), b("2"))).isTrue();
        assertThat(storage.get("c").orElseThrow()).isEqualTo(b("2"));
    }

    @Test
    void compareAndSetWithNullValueDeletes() {
        storage.put("c", b("1"));
        assertThat(storage.compareAndSet("c", b("1"), null)).isTrue();
        assertThat(storage.get("c")).isEmpty();
    }

    @Test
    void concurrentCompareAndSetIncrementsLoseNoUpdate() throws Exception {
        storage.put("counter", b("0"));
        int threads = 8, perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        while (true) {
                            byte[] cur = storage.get("counter").orElseThrow();
                            int n = Integer.parseInt(new String(cur, StandardCharsets.UTF_8));
                            if (storage.compareAndSet("counter", cur, b(Integer.toString(n + 1)))) break;
                        }
                    }
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(new String(storage.get("counter").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo(Integer.toString(threads * perThread));
    }

    @Test
    void concurrentWritersAllLand() throws Exception {
        int threads = 16, perThread = 20;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger done = new AtomicInteger();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        storage.put("w/" + tt + "/" + i, b(tt + ":" + i));
                        done.incrementAndGet();
                    }
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(done.get()).isEqualTo(threads * perThread);
        for (int t = 0; t < threads; t++) {
            assertThat(storage.list("w/" + t + "/")).hasSize(perThread);
            for (int i = 0; i < perThread; i++) assertThat(storage.get("w/" + t + "/" + i).orElseThrow()).isEqualTo(b(t + ":" + i));
        }
    }

    @Test
    void writesSurviveCloseAndReopen() throws Exception {
        storage.put("durable/a", b("1"));
        storage.batch(List.of(StorageOp.put("durable/b", b("2"))));
        storage = reopen(storage);
        assertThat(storage.get("durable/a").orElseThrow()).isEqualTo(b("1"));
        assertThat(storage.list("durable/")).containsExactly("a", "b");
    }

    @Test
    void returnedValuesAreCopies() {
        byte[] v = b("abc");
        storage.put("k", v);
        v[0] = 'X';
        byte[] got = storage.get("k").orElseThrow();
        got[1] = 'Y';
        assertThat(storage.get("k").orElseThrow()).isEqualTo(b("abc"));
    }
}
