package dev.keyhaven.core.auth.policy;

import java.util.List;
import java.util.Map;

/**
 * One {@code path "..." { ... }} stanza after parsing.
 *
 * @param path                the path as written (leading '/' removed), including a trailing {@code *} if any
 * @param capabilities        bitmap of {@link Capability} bits; exactly {@code DENY} when deny was listed
 * @param allowedParameters   lower-cased parameter name → allowed values (empty list = any value); null = not set
 * @param deniedParameters    lower-cased parameter name → denied values (empty list = any value); null = not set
 * @param requiredParameters  parameters that must be present; empty = none
 */
public record PathRules(String path, int capabilities, Map<String, List<Object>> allowedParameters,
                        Map<String, List<Object>> deniedParameters, List<String> requiredParameters) {
    public PathRules {
        allowedParameters = allowedParameters == null ? null : Map.copyOf(allowedParameters);
        deniedParameters = deniedParameters == null ? null : Map.copyOf(deniedParameters);
        requiredParameters = List.copyOf(requiredParameters);
    }

    public boolean isPrefix() {
        return path.endsWith("*");
    }

    /** The path without a trailing glob. */
    public String base() {
        return isPrefix() ? path.substring(0, path.length() - 1) : path;
    }

    /** Vault: a segment wildcard path is {@code +}, starts with {@code +/} or contains {@code /+}. */
    public boolean hasSegmentWildcards() {
        String b = base();
        return b.equals("+") || b.startsWith("+/") || b.contains("/+");
    }
}
