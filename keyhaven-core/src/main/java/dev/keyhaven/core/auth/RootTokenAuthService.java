package dev.keyhaven.core.auth;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The minimal {@link AuthService}: only root tokens exist, and a valid root token may do everything. Tokens are
 * stored as {@code token/id/<hex(HMAC-SHA256(salt, token))>} (never in clear); the salt is at {@code token/salt}.
 * Unauthenticated paths pass without a token. Anything else without a valid root token is 403.
 */
public final class RootTokenAuthService implements AuthService {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private final SecureRandom random = new SecureRandom();
    private volatile Storage view;
    private volatile byte[] salt;
    private volatile Clock clock = Clock.systemUTC();

    @Override
    public synchronized void start(Storage authView, Clock clock) {
        this.clock = clock;
        byte[] s = authView.get("token/salt").orElse(null);
        if (s == null) {
            byte[] fresh = new byte[32];
            random.nextBytes(fresh);
            if (!authView.compareAndSet("token/salt", null, fresh)) fresh = authView.get("token/salt").orElseThrow();
            s = fresh;
        }
        this.salt = s;
        this.view = authView;
    }

    @Override
    public synchronized void stop() {
        view = null;
        if (salt != null) java.util.Arrays.fill(salt, (byte) 0);
        salt = null;
    }

    @Override
    public String createRootToken(Optional<String> id) {
        Storage v = requireStarted();
        String token = id.orElseGet(() -> "hvs." + randomString(24));
        if (token.isBlank() || token.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            throw KeyhavenException.badRequest("a token id must be non-empty and contain no spaces or control characters");
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("accessor", randomString(24));
        entry.put("policies", List.of("root"));
        entry.put("path", "auth/token/root");
        entry.put("display_name", "root");
        entry.put("creation_time", clock.instant().getEpochSecond());
        entry.put("ttl", 0);
        entry.put("explicit_max_ttl", 0);
        entry.put("num_uses", 0);
        entry.put("orphan", true);
        entry.put("type", "service");
        entry.put("meta", Map.of());
        v.put("token/id/" + hash(token), Json.write(entry));
        return token;
    }

    @Override
    public void authorize(Request request, PathTraits traits) {
        Optional<Map<String, Object>> entry = request.clientToken().flatMap(this::lookup);
        entry.ifPresent(request::setAuth);
        if (traits.unauthenticated()) return;
        if (entry.isEmpty()) throw KeyhavenException.permissionDenied();
        Object policies = entry.get().get("policies");
        if (!(policies instanceof List<?> l) || !l.contains("root")) throw KeyhavenException.permissionDenied();
    }

    /** Only root tokens exist here, and root may use every mount. */
    @Override
    public boolean hasMountAccess(Request request, String mountPath) {
        return request.auth(Map.class).isPresent();
    }

    private Optional<Map<String, Object>> lookup(String token) {
        Storage v = view;
        if (v == null) return Optional.empty();
        return v.get("token/id/" + hash(token)).map(Json::parseObject);
    }

    private String hash(String token) {
        byte[] s = salt;
        if (s == null) throw KeyhavenException.permissionDenied();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(s, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(token.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private Storage requireStarted() {
        Storage v = view;
        if (v == null) throw new KeyhavenException(dev.keyhaven.core.logical.ErrorCode.SEALED, "Keyhaven is sealed");
        return v;
    }

    private String randomString(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        return sb.toString();
    }

    @Override
    public String toString() {
        return "RootTokenAuthService";
    }
}
