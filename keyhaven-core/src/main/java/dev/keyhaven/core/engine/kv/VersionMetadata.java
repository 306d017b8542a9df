package dev.keyhaven.core.engine.kv;

import java.time.Instant;

/**
 * What the metadata record knows about one version. Times are ISO-8601 instants ({@link Instant#toString()}).
 *
 * @param createdTime  when the version was written
 * @param deletionTime when the version is (or was) soft-deleted; null when not scheduled. A version whose deletion
 *                     time is in the past reads as deleted; one in the future (delete_version_after) reads normally.
 * @param destroyed    the data was permanently removed
 * @param dataKey      name of the version's data record inside the secret's data folder; null once destroyed
 */
record VersionMetadata(String createdTime, String deletionTime, boolean destroyed, String dataKey) {
    static VersionMetadata created(Instant created, Instant deletion, String dataKey) {
        return new VersionMetadata(created.toString(), deletion == null ? null : deletion.toString(), false, dataKey);
    }

    Instant created() {
        return Instant.parse(createdTime);
    }

    /** Whether the version reads as deleted at {@code now} (deletion time strictly before now, as Vault). */
    boolean deletedAt(Instant now) {
        return deletionTime != null && Instant.parse(deletionTime).isBefore(now);
    }

    String createdTimeVault() {
        return VaultTime.format(Instant.parse(createdTime));
    }

    /** Vault renders an unset deletion time as the empty string. */
    String deletionTimeVault() {
        return deletionTime == null ? "" : VaultTime.format(Instant.parse(deletionTime));
    }

    VersionMetadata withDeletionTime(Instant deletion) {
        return new VersionMetadata(createdTime, deletion == null ? null : deletion.toString(), destroyed, dataKey);
    }

    VersionMetadata asDestroyed() {
        return new VersionMetadata(createdTime, deletionTime, true, null);
    }
}
