package dev.keyhaven.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which reads count as "a previous version read after its overlap ended". */
class StaleVersionReadTest {
    private static Request kvRead(String rel, Object version) {
        Request r = Request.builder(Operation.READ, "secret/" + rel).data(version == null ? Map.of() : Map.of("version", version)).build();
        r.setMount("secret/", "kv", "kv_1", rel);
        return r;
    }

    @Test
    void onlyExplicitVersionReadsOfKvDataAreConsidered() {
        assertThat(RotationExtension.VersionedRead.of(kvRead("data/app/db", "2"))).hasValue(new RotationExtension.VersionedRead("secret/app/db", 2));
        assertThat(RotationExtension.VersionedRead.of(kvRead("data/app/db", null))).isEmpty();
        assertThat(RotationExtension.VersionedRead.of(kvRead("data/app/db", "0"))).isEmpty();
        assertThat(RotationExtension.VersionedRead.of(kvRead("data/app/db", "x"))).isEmpty();
        assertThat(RotationExtension.VersionedRead.of(kvRead("metadata/app/db", "2"))).isEmpty();
    }

    @Test
    void retiredAndExpiredPreviousVersionsAreStaleCurrentAndInOverlapAreNot() {
        RotationRecord rec = RotationRecord.fresh("secret/app/db", "p", "random", 0).withVersions(List.of(
                new RotationRecord.SecretVersion(1, VersionState.RETIRED, "", 0, 0, 50, 60),
                new RotationRecord.SecretVersion(2, VersionState.PREVIOUS, "", 0, 0, 100, 0),
                new RotationRecord.SecretVersion(3, VersionState.CURRENT, "", 0, 0, 0, 0)));
        assertThat(RotationExtension.staleVersion(rec, 1, 70)).isTrue();
        assertThat(RotationExtension.staleVersion(rec, 2, 99)).isFalse();
        assertThat(RotationExtension.staleVersion(rec, 2, 100)).isTrue();
        assertThat(RotationExtension.staleVersion(rec, 3, 1000)).isFalse();
        assertThat(RotationExtension.staleVersion(rec, 9, 1000)).isFalse();
    }
}
