package dev.keyhaven.core.auth;

/**
 * What the router knows about the target path before authorization.
 *
 * @param unauthenticated the engine lists the path as reachable without a token
 * @param sudo            the engine lists the path as a root path (needs {@code sudo})
 * @param exists          for writes: whether the target exists (create vs update capability), null if the engine
 *                        does not distinguish
 */
public record PathTraits(boolean unauthenticated, boolean sudo, Boolean exists) {
    public static final PathTraits PLAIN = new PathTraits(false, false, null);
}
