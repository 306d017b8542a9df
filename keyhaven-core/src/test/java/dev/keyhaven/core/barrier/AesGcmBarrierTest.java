package dev.keyhaven.core.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageException;
import dev.keyhaven.core.storage.sqlite.SqliteStorage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AesGcmBarrierTest {
    @TempDir
    Path dir;
    Storage physical;
    AesGcmBarrier barrier;
    byte[] rootKey = new byte[32];

    @BeforeEach
    void setUp() {
        new SecureRandom().nextBytes(rootKey);
        physical = SqliteStorage.open(dir.resolve("b.db"));
        barrier = new AesGcmBarrier(physical, Clock.systemUTC());
        physical.put(AesGcmBarrier.KEYRING_PATH, barrier.createKeyring(rootKey));
        barrier.unseal(rootKey);
    }

    @AfterEach
    void tearDown() {
        physical.close();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void valuesRoundTripAndArePhysicallyEncrypted() {
        barrier.put("logical/x/secret", b("canary-plaintext-value"));
        assertThat(barrier.get("logical/x/secret").orElseThrow()).isEqualTo(b("canary-plaintext-value"));
        byte[] raw = physical.get("logical/x/secret").orElseThrow();
        assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain("canary");
        assertThat(raw[0]).isEqualTo((byte) 1);
        assertThat(raw.length).isEqualTo(1 + 4 + 12 + "canary-plaintext-value".length() + 16);
    }

    @Test
    void sameValueEncryptsDifferentlyEachTime() {
        barrier.put("a", b("same"));
        byte[] first = physical.get("a").orElseThrow();
        barrier.put("a", b("same"));
        assertThat(physical.get("a").orElseThrow()).isNotEqualTo(first);
    }

    @Test
    void ciphertextCopiedToAnotherPathFailsToOpen() {
        barrier.put("logical/a/one", b("secret"));
        physical.put("logical/a/two", physical.get("logical/a/one").orElseThrow());
        assertThatThrownBy(() -> barrier.get("logical/a/two")).isInstanceOf(StorageException.class).hasMessageContaining("failed authentication")
                .hasMessageNotContaining("secret\"");
    }

    @Test
    void tamperedCiphertextFailsToOpen() {
        barrier.put("k", b("value"));
        byte[] raw = physical.get("k").orElseThrow();
        raw[raw.length - 1] ^= 1;
        physical.put("k", raw);
        assertThatThrownBy(() -> barrier.get("k")).isInstanceOf(StorageException.class);
    }

    @Test
    void rotationAddsATermWithoutReencryptingOldValues() {
        barrier.put("old", b("v1"));
        byte[] oldRaw = physical.get("old").orElseThrow();
        assertThat(barrier.keyStatus().term()).isEqualTo(1);
        barrier.rotate();
        assertThat(barrier.keyStatus().term()).isEqualTo(2);
        assertThat(physical.get("old").orElseThrow()).isEqualTo(oldRaw);
        barrier.put("new", b("v2"));
        assertThat(termOf(physical.get("new").orElseThrow())).isEqualTo(2);
        assertThat(termOf(oldRaw)).isEqualTo(1);
        // after a seal/unseal cycle both terms still open
        barrier.seal();
        barrier.unseal(rootKey);
        assertThat(barrier.get("old").orElseThrow()).isEqualTo(b("v1"));
        assertThat(barrier.get("new").orElseThrow()).isEqualTo(b("v2"));
        assertThat(barrier.keyStatus().term()).isEqualTo(2);
    }

    static int termOf(byte[] raw) {
        return java.nio.ByteBuffer.wrap(raw, 1, 4).getInt();
    }

    @Test
    void wrongRootKeyDoesNotUnseal() {
        barrier.seal();
        byte[] wrong = rootKey.clone();
        wrong[0] ^= 1;
        assertThatThrownBy(() -> barrier.unseal(wrong)).isInstanceOf(InvalidRootKeyException.class);
        assertThat(barrier.isSealed()).isTrue();
    }

    @Test
    void sealedBarrierRefusesEveryOperation() {
        barrier.seal();
        assertThatThrownBy(() -> barrier.get("x")).isInstanceOf(KeyhavenException.class).hasMessage("Keyhaven is sealed");
        assertThatThrownBy(() -> barrier.put("x", b("1"))).hasMessage("Keyhaven is sealed");
        assertThatThrownBy(() -> barrier.list("")).hasMessage("Keyhaven is sealed");
    }

    @Test
    void keyringPathIsReservedAndItsBlobIsNotPlaintextKeys() {
        assertThatThrownBy(() -> barrier.get(AesGcmBarrier.KEYRING_PATH)).isInstanceOf(StorageException.class);
        String raw = new String(physical.get(AesGcmBarrier.KEYRING_PATH).orElseThrow(), StandardCharsets.ISO_8859_1);
        assertThat(raw).doesNotContain("terms").doesNotContain("install_time");
    }

    @Test
    void compareAndSetComparesPlaintexts() {
        assertThat(barrier.compareAndSet("c", null, b("1"))).isTrue();
        assertThat(barrier.compareAndSet("c", b("2"), b("3"))).isFalse();
        assertThat(barrier.compareAndSet("c", b("1"), b("3"))).isTrue();
        assertThat(barrier.get("c").orElseThrow()).isEqualTo(b("3"));
        barrier.batch(List.of(dev.keyhaven.core.storage.StorageOp.put("d", b("4")), dev.keyhaven.core.storage.StorageOp.delete("c")));
        assertThat(barrier.get("c")).isEmpty();
        assertThat(barrier.get("d").orElseThrow()).isEqualTo(b("4"));
    }

    @Test
    void keyringToStringIsRedacted() {
        Keyring ring = new Keyring(List.of(new Keyring.Term(1, new byte[32], java.time.Instant.EPOCH)));
        assertThat(ring.toString()).doesNotContain("AAAA").contains("terms=1");
        assertThat(ring.active().toString()).contains("redacted");
    }
}
