package dev.keyhaven.client;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * One version of a named secret as {@link SecretsManager#current} or {@link SecretsManager#previous} found it.
 *
 * @param name     the secret's name
 * @param secret   the value (redacted {@code toString()})
 * @param version  the version number, empty for unversioned sources (environment, files)
 * @param source   the name of the source that answered
 * @param location where in that source, never the value
 */
public record Versioned(String name, Secret secret, OptionalInt version, String source, String location) {
    public Versioned {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(location, "location");
    }
}
