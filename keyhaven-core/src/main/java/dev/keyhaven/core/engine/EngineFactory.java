package dev.keyhaven.core.engine;

/** Creates engines of one type (e.g. {@code kv}, {@code transit}, {@code approle}). */
public interface EngineFactory {
    String type();

    Engine create(EngineContext context);
}
