package dev.keyhaven.client;

import java.util.List;

/** No source in the chain has a value for the name. The message lists the sources that were asked. */
public final class SecretNotFoundException extends SecretsException {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final List<String> triedSources;

    public SecretNotFoundException(String name, List<String> triedSources) {
        super("secret '" + name + "' not found; tried " + (triedSources.isEmpty() ? "no sources" : String.join(", ", triedSources)));
        this.name = name;
        this.triedSources = List.copyOf(triedSources);
    }

    /** The name that was asked for. */
    public String name() {
        return name;
    }

    /** Names of the sources asked, in order. */
    public List<String> triedSources() {
        return triedSources;
    }
}
