package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.EngineFactory;
import dev.keyhaven.core.logical.KeyhavenException;
import java.util.Objects;
import java.util.function.Function;

/**
 * Engines of type {@code kv}. The mount option {@code version} picks the flavour as Vault does: {@code "2"} is the
 * versioned engine ({@link KvV2Engine}); a missing, empty or {@code "1"} version is the plain one.
 */
public final class KvEngineFactory implements EngineFactory {
    public static final String TYPE = "kv";

    private final Function<EngineContext, Engine> v1;

    /** @param v1 creates the unversioned (v1) engine, normally {@code KvV1Engine::new} */
    public KvEngineFactory(Function<EngineContext, Engine> v1) {
        this.v1 = Objects.requireNonNull(v1, "v1");
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Engine create(EngineContext context) {
        String version = context.options().getOrDefault("version", "").trim();
        return switch (version) {
            case "", "1" -> v1.apply(context);
            case "2" -> new KvV2Engine(context);
            default -> throw KeyhavenException.badRequest("invalid kv version: options.version must be \"1\" or \"2\"");
        };
    }

    /** Whether mount options select the versioned engine (what {@code sys/internal/ui/mounts} reports as version 2). */
    public static boolean isVersioned(java.util.Map<String, String> options) {
        return "2".equals(options.getOrDefault("version", "").trim());
    }
}
