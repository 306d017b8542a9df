package dev.keyhaven.core.auth.policy;

import java.util.List;

/** A parsed ACL policy: its name, the text it was parsed from, and its path stanzas in source order. */
public record Policy(String name, String raw, List<PathRules> paths) {
    public Policy {
        paths = List.copyOf(paths);
    }

    @Override
    public String toString() {
        return "Policy[" + name + ", " + paths.size() + " paths]";
    }
}
