package dev.keyhaven.core.audit;

import java.nio.charset.StandardCharsets;

/**
 * How a device renders entries: Vault's {@code log_raw}, {@code hmac_accessor}, {@code prefix} and {@code elide_list_responses} options. Devices
 * with equal options share one formatted body per entry.
 */
record FormatOptions(boolean logRaw, boolean hmacAccessor, String prefix, boolean elideListResponses) {
    static FormatOptions of(DeviceConfig c) {
        return new FormatOptions(c.boolOption("log_raw", false), c.boolOption("hmac_accessor", true), c.option("prefix", ""),
                c.boolOption("elide_list_responses", false));
    }

    byte[] prefixBytes() {
        return prefix.getBytes(StandardCharsets.UTF_8);
    }
}
