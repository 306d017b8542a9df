package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.storage.Storage;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A per-mount HMAC key (32 random bytes at {@code hmac_key} in the mount's barrier-encrypted storage, created once
 * with compare-and-set so several nodes agree). Used to index credentials without storing them, and to show
 * credentials in audit events as {@code hmac-sha256:<hex>}.
 */
public final class MountSecrets {
    public static final String KEY = "hmac_key";
    private final byte[] key;

    public MountSecrets(Storage storage, String name) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        if (!storage.compareAndSet(name, null, k)) k = storage.get(name).orElseThrow(() -> new IllegalStateException("mount HMAC key vanished"));
        this.key = k;
    }

    public MountSecrets(Storage storage) {
        this(storage, KEY);
    }

    /** hex(HMAC-SHA256(key, value)). */
    public String hmac(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** The audit form: {@code hmac-sha256:<hex>} (with a domain label so audit HMACs never equal storage indexes). */
    public String auditHmac(String value) {
        return "hmac-sha256:" + hmac("audit\0" + value);
    }

    @Override
    public String toString() {
        return "MountSecrets[<redacted>]";
    }
}
