package dev.keyhaven.core.auth.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Vault's ACL capabilities and their bits (the same bit values Vault uses). */
public enum Capability {
    DENY(1), CREATE(2), READ(4), UPDATE(8), DELETE(16), LIST(32), SUDO(64), PATCH(256);

    private final int bit;

    Capability(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Capability> byName(String name) {
        for (Capability c : values()) if (c.wireName().equals(name)) return Optional.of(c);
        return Optional.empty();
    }

    /** Names of the capabilities in {@code bitmap}, sorted alphabetically as Vault's capabilities endpoints return them. */
    public static List<String> names(int bitmap) {
        List<String> out = new ArrayList<>();
        for (Capability c : values()) if ((bitmap & c.bit) != 0) out.add(c.wireName());
        out.sort(null);
        return out;
    }
}
