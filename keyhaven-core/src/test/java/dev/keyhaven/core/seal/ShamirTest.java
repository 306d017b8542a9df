package dev.keyhaven.core.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ShamirTest {
    record Params(int n, int t) {}

    @Provide
    Arbitrary<Params> params() {
        return Arbitraries.integers().between(1, 40).flatMap(n -> Arbitraries.integers().between(1, n).map(t -> new Params(n, t)));
    }

    @Property(tries = 200)
    void anyThresholdSubsetReconstructsTheSecret(@ForAll @Size(min = 1, max = 48) byte[] secret, @ForAll("params") Params p, @ForAll long seed) {
        List<byte[]> shares = Shamir.split(secret, p.n(), p.t());
        assertThat(shares).hasSize(p.n()).allSatisfy(s -> assertThat(s).hasSize(secret.length + 1));
        List<byte[]> shuffled = new ArrayList<>(shares);
        Collections.shuffle(shuffled, new Random(seed));
        assertThat(Shamir.combine(shuffled.subList(0, p.t()))).isEqualTo(secret);
        // more than the threshold also works
        assertThat(Shamir.combine(shuffled)).isEqualTo(secret);
    }

    @Property(tries = 100)
    void sharesHaveDistinctNonZeroXCoordinates(@ForAll @IntRange(min = 1, max = 255) int n) {
        List<byte[]> shares = Shamir.split(new byte[] {1, 2, 3}, n, 1);
        Set<Integer> xs = new HashSet<>();
        for (byte[] s : shares) xs.add(s[3] & 0xff);
        assertThat(xs).hasSize(n).doesNotContain(0);
    }

    /**
     * With t-1 shares, every candidate secret is equally consistent: for any fixed t-1 shares and any guess of the
     * secret, there is exactly one polynomial through them, so the t-1 shares reveal nothing checkable. We verify it
     * operationally: completing t-1 real shares with a forged share chosen to encode a different secret yields that
     * different secret, i.e. the t-1 shares do not pin the secret down.
     */
    @Property(tries = 200)
    void fewerThanThresholdSharesAreConsistentWithAnySecret(@ForAll("params") Params p, @ForAll byte target, @ForAll byte actual) {
        if (p.t() < 2) return;
        byte[] secret = {actual};
        List<byte[]> shares = Shamir.split(secret, p.n(), p.t());
        List<byte[]> partial = new ArrayList<>(shares.subList(0, p.t() - 1));
        // find the x not used by the partial shares and solve for the y that makes the secret equal target
        Set<Integer> used = new HashSet<>();
        for (byte[] s : partial) used.add(s[1] & 0xff);
        int x = 1;
        while (used.contains(x)) x++;
        int found = -1;
        for (int y = 0; y < 256; y++) {
            List<byte[]> attempt = new ArrayList<>(partial);
            attempt.add(new byte[] {(byte) y, (byte) x});
            if (Shamir.combine(attempt)[0] == target) {
                assertThat(found).as("exactly one completion per target").isEqualTo(-1);
                found = y;
            }
        }
        assertThat(found).isNotEqualTo(-1);
    }

    @Property(tries = 50)
    void thresholdMinusOneSharesGiveAWrongSecretNotTheRealOne(@ForAll @Size(value = 32) byte[] secret) {
        List<byte[]> shares = Shamir.split(secret, 5, 3);
        // 2 shares of a 3-threshold split combine to a value that is (overwhelmingly) not the secret
        assertThat(Shamir.combine(shares.subList(0, 2))).isNotEqualTo(secret);
    }

    @Test
    void gfMultiplicationMatchesKnownAesValues() {
        assertThat(Shamir.mul(0x57, 0x83)).isEqualTo(0xc1); // FIPS-197 example
        assertThat(Shamir.mul(0x57, 0x13)).isEqualTo(0xfe);
        for (int a = 1; a < 256; a++) assertThat(Shamir.mul(a, Shamir.inverse(a))).as("a * a^-1 for %d", a).isEqualTo(1);
    }

    @Test
    void invalidParametersAreRejected() {
        assertThatThrownBy(() -> Shamir.split(new byte[] {1}, 3, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shamir.split(new byte[] {1}, 256, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shamir.split(new byte[] {1}, 3, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Shamir.split(new byte[0], 3, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void combineRejectsDuplicatesAndMismatchedLengths() {
        List<byte[]> shares = Shamir.split(new byte[] {9, 9}, 3, 2);
        assertThatThrownBy(() -> Shamir.combine(List.of(shares.get(0), shares.get(0)))).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> Shamir.combine(List.of(shares.get(0), new byte[] {1, 2}))).hasMessageContaining("lengths");
    }

    @Test
    void maximumSplitOf255SharesWorks() {
        byte[] secret = new byte[32];
        new Random(1).nextBytes(secret);
        List<byte[]> shares = Shamir.split(secret, 255, 255);
        assertThat(Shamir.combine(shares)).isEqualTo(secret);
    }
}
