package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.engine.EngineFactory;

/** Creates {@link TransitEngine}s for mounts of type {@code transit}. */
public final class TransitEngineFactory implements EngineFactory {
    public static final String TYPE = "transit";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Engine create(EngineContext context) {
        return new TransitEngine(context);
    }
}
