package dev.keyhaven.core.rotation.rotators;

import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.rotation.RotationContext;
import dev.keyhaven.core.rotation.RotationException;
import dev.keyhaven.core.rotation.Settings;
import dev.keyhaven.core.rotation.VersionedKeyRotator;
import java.util.Map;
import java.util.Set;

/**
 * {@code transit} / {@code jwt}: rotates a transit key ring through the logical API ({@code <mount>/keys/<name>/rotate})
 * and, once the overlap is over, retires the previous version: {@code /config} raises {@code min_decryption_version}
 * to the current version and {@code /trim} removes older versions (so a JWKS built from the key ring stops
 * publishing them). The managed path is the key's path, {@code transit/keys/jwt-signing}.
 *
 * <p>Settings: {@code trim} (default true; false keeps old versions archived but unusable).
 */
public final class KeyRingRotator implements VersionedKeyRotator {
    private static final Set<String> SETTINGS = Set.of("trim");
    private final String type;

    public KeyRingRotator(String type) {
        this.type = type;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public void validate(Settings s) {
        s.allowOnly(type, SETTINGS);
        s.bool("trim", true);
    }

    @Override
    public boolean supportsOverlap(Settings settings) {
        return true;
    }

    @Override
    public long latestVersion(RotationContext ctx) {
        return number(readKey(ctx), "latest_version");
    }

    @Override
    public long rotate(RotationContext ctx, long baseVersion) {
        long latest = latestVersion(ctx);
        if (latest > baseVersion) return latest; // rotated before a crash
        ctx.logical().handle(Request.builder(Operation.UPDATE, keyPath(ctx) + "/rotate").build());
        long after = latestVersion(ctx);
        if (after <= baseVersion) throw RotationException.target(type + ": key " + keyPath(ctx) + " did not get a new version", null);
        return after;
    }

    @Override
    public void retireBelow(RotationContext ctx, long keepFrom) {
        Map<String, Object> key = readKey(ctx);
        boolean trim = ctx.settings().bool("trim", true);
        long minEnc = number(key, "min_encryption_version");
        // transit refuses a trim while min_encryption_version is 0 ("latest"), and requires it >= min_decryption_version;
        // raising it to the current version changes nothing for encryption, which always uses the latest version
        boolean needEnc = (trim && minEnc == 0) || (minEnc != 0 && minEnc < keepFrom);
        if (number(key, "min_decryption_version") < keepFrom || needEnc) {
            Map<String, Object> cfg = new java.util.LinkedHashMap<>();
            cfg.put("min_decryption_version", Math.max(keepFrom, number(key, "min_decryption_version")));
            if (needEnc) cfg.put("min_encryption_version", Math.max(keepFrom, minEnc));
            ctx.logical().handle(Request.builder(Operation.UPDATE, keyPath(ctx) + "/config").data(cfg).build());
        }
        if (trim && number(key, "min_available_version") < keepFrom) {
            ctx.logical().handle(Request.builder(Operation.UPDATE, keyPath(ctx) + "/trim")
                    .data(Map.of("min_available_version", keepFrom)).build());
        }
    }

    private Map<String, Object> readKey(RotationContext ctx) {
        Response r = ctx.logical().handle(Request.builder(Operation.READ, keyPath(ctx)).build());
        if (r.data() == null) throw RotationException.notFound("transit key " + keyPath(ctx) + " not found");
        return r.data();
    }

    private String keyPath(RotationContext ctx) {
        String p = ctx.path();
        int i = p.lastIndexOf("/keys/");
        if (i <= 0 || p.endsWith("/") || p.substring(i + 6).contains("/")) {
            throw RotationException.badRequest("rotator '" + type + "' needs a path of the form <mount>/keys/<name>");
        }
        return p;
    }

    private static long number(Map<String, Object> data, String field) {
        Object v = data.get(field);
        if (v instanceof Number n) return n.longValue();
        if (v instanceof String s && s.matches("[0-9]+")) return Long.parseLong(s);
        return 0;
    }
}
