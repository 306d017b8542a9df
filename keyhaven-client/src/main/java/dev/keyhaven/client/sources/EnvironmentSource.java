package dev.keyhaven.client.sources;

import dev.keyhaven.client.Secret;
import dev.keyhaven.client.spi.SecretSource;
import dev.keyhaven.client.spi.SourceValue;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Process environment variables. A variable that is set but empty is an answer (validation flags it). */
public final class EnvironmentSource implements SecretSource {

    private final Map<String, String> environment;

    private EnvironmentSource(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The real process environment ({@link System#getenv()}), snapshotted now. */
    public static EnvironmentSource system() {
        return new EnvironmentSource(System.getenv());
    }

    /** A fixed map standing in for the environment (tests, or an environment assembled by the application). */
    public static EnvironmentSource of(Map<String, String> environment) {
        return new EnvironmentSource(Objects.requireNonNull(environment, "environment"));
    }

    @Override
    public String name() {
        return "environment";
    }

    @Override
    public Optional<SourceValue> lookup(String name) {
        String v = environment.get(name);
        return v == null ? Optional.empty() : Optional.of(SourceValue.of(Secret.of(v), "environment variable " + name));
    }
}
