package dev.keyhaven.client.spi;

import dev.keyhaven.client.Secret;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A value as a source found it.
 *
 * @param secret   the value (its {@code toString()} is redacted)
 * @param location where in the source it was found, for {@code explain()}: a file and line, a server path
 *                 and key; never the value
 * @param version  the version number when the source is versioned (KV v2), else empty
 */
public record SourceValue(Secret secret, String location, OptionalInt version) {

    public SourceValue {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(version, "version");
    }

    /** An unversioned value. */
    public static SourceValue of(Secret secret, String location) {
        return new SourceValue(secret, location, OptionalInt.empty());
    }

    /** A versioned value. */
    public static SourceValue of(Secret secret, String location, int version) {
        return new SourceValue(secret, location, OptionalInt.of(version));
    }
}
