package dev.keyhaven.core.engine.kv;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The one metadata record of a secret (stored at {@code metadata/<path>}). Every change to a secret is a
 * compare-and-set of this record, which is what serializes concurrent writers, on one node or many.
 *
 * @param incarnation        random id of this life of the secret; version data lives under it, so a secret deleted
 *                           and re-created never confuses its data with the old one's
 * @param currentVersion     latest version number (0 before the first write)
 * @param oldestVersion      Vault's oldest_version (0 until max_versions first trims)
 * @param maxVersions        per-secret max_versions (0 = the mount's)
 * @param casRequired        per-secret cas_required
 * @param deleteVersionAfter per-secret delete_version_after in seconds (0 = unset)
 * @param customMetadata     user metadata, null when never set (renders as JSON null like Vault)
 * @param createdTime        ISO instant of creation, null before the first version or metadata write
 * @param updatedTime        ISO instant of the latest version write
 * @param versions           version number → metadata, for the versions still kept
 */
record SecretMetadata(
        String incarnation,
        long currentVersion,
        long oldestVersion,
        long maxVersions,
        boolean casRequired,
        long deleteVersionAfter,
        Map<String, String> customMetadata,
        String createdTime,
        String updatedTime,
        SortedMap<Long, VersionMetadata> versions) {

    static final int DEFAULT_MAX_VERSIONS = 10;

    SecretMetadata {
        versions = Collections.unmodifiableSortedMap(new TreeMap<>(versions == null ? Map.of() : versions));
        customMetadata = customMetadata == null ? null : Collections.unmodifiableMap(new TreeMap<>(customMetadata));
    }

    static SecretMetadata fresh(String incarnation, Instant createdOrNull) {
        String t = createdOrNull == null ? null : createdOrNull.toString();
        return new SecretMetadata(incarnation, 0, 0, 0, false, 0, null, t, t, new TreeMap<>());
    }

    /** The result of adding a version: the new record and the data record names of versions that fell out of the window. */
    record Added(SecretMetadata metadata, long version, List<String> trimmedDataKeys) {}

    /** Vault's AddVersion: bump the version, record it, and trim to max(per-secret, mount) versions (default 10). */
    Added addVersion(VersionMetadata vm, long mountMaxVersions) {
        TreeMap<Long, VersionMetadata> vs = new TreeMap<>(versions);
        long current = currentVersion + 1;
        vs.put(current, vm);
        String created = createdTime == null ? vm.createdTime() : createdTime;
        long max = Math.max(maxVersions, mountMaxVersions);
        if (max <= 0) max = DEFAULT_MAX_VERSIONS;
        long oldest = oldestVersion;
        List<String> trimmed = new ArrayList<>();
        if (current - oldest >= max) {
            long toDelete = current - max;
            for (long v = oldest; v <= toDelete; v++) {
                VersionMetadata gone = vs.remove(v);
                if (gone != null && gone.dataKey() != null) trimmed.add(gone.dataKey());
            }
            // Versions below the old window may remain after max_versions was raised and lowered again; drop them too.
            while (!vs.isEmpty() && vs.firstKey() <= toDelete) {
                VersionMetadata gone = vs.remove(vs.firstKey());
                if (gone.dataKey() != null) trimmed.add(gone.dataKey());
            }
            oldest = toDelete + 1;
        }
        SecretMetadata next = new SecretMetadata(incarnation, current, oldest, maxVersions, casRequired, deleteVersionAfter,
                customMetadata, created, vm.createdTime(), vs);
        return new Added(next, current, trimmed);
    }

    SecretMetadata withVersions(SortedMap<Long, VersionMetadata> vs) {
        return new SecretMetadata(incarnation, currentVersion, oldestVersion, maxVersions, casRequired, deleteVersionAfter,
                customMetadata, createdTime, updatedTime, vs);
    }

    SecretMetadata withSettings(long maxVersions, boolean casRequired, long deleteVersionAfter, Map<String, String> customMetadata) {
        return new SecretMetadata(incarnation, currentVersion, oldestVersion, maxVersions, casRequired, deleteVersionAfter,
                customMetadata, createdTime, updatedTime, versions);
    }
}
