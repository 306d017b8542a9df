package dev.keyhaven.core.logical;

/** The logical operation of a request, as Vault's logical layer names them. HTTP verbs map onto these at the edge. */
public enum Operation {
    /** GET (and HEAD). */
    READ,
    /** POST/PUT when the engine distinguishes creation (ACL "create" capability on a path that does not exist). */
    CREATE,
    /** POST/PUT. */
    UPDATE,
    /** PATCH. */
    PATCH,
    /** DELETE. */
    DELETE,
    /** LIST verb or GET ?list=true. */
    LIST;

    /** The ACL capability name this operation needs. */
    public String capability() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
