package dev.keyhaven.core;

/**
 * A plug-in point for components built outside the foundation (tokens/ACL, KV v2, transit, auth methods). The
 * server discovers implementations with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/dev.keyhaven.core.CoreExtension}) and calls {@link #configure} before the core is built
 * and {@link #started} once it exists (before the listener opens).
 */
public interface CoreExtension {
    /** Register engine factories, an {@link dev.keyhaven.core.auth.AuthService}, default mounts. */
    default void configure(Keyhaven.Builder builder) {}

    /** Register {@code sys/} handlers ({@code core.system().register(...)}) and similar. */
    default void started(Keyhaven core) {}
}
