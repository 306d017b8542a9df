package dev.keyhaven.core.seal;

import dev.keyhaven.core.util.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The public part of the seal, stored unencrypted at {@code core/seal-config}: the seal type, how many shares exist
 * and how many unseal. Nothing secret.
 */
public record SealConfig(String type, int shares, int threshold) {
    public static final String SHAMIR = "shamir";

    public SealConfig {
        if (threshold < 1 || shares < threshold || shares > Shamir.MAX_SHARES) throw new IllegalArgumentException("invalid seal config");
    }

    public byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("secret_shares", shares);
        m.put("secret_threshold", threshold);
        return Json.write(m);
    }

    public static SealConfig fromJson(byte[] json) {
        Map<String, Object> m = Json.parseObject(json);
        return new SealConfig((String) m.get("type"), ((Number) m.get("secret_shares")).intValue(), ((Number) m.get("secret_threshold")).intValue());
    }
}
