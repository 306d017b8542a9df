package dev.keyhaven.core.auth.jwt;

import dev.keyhaven.core.auth.login.MountSecrets;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.util.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Single use of JWT IDs ({@code jti_replay_protection}): the pair (iss, jti) is claimed with compare-and-set in
 * the mount's storage and kept until the token can no longer validate (its expiry plus clock-skew leeway), so the
 * refusal holds across restarts and across nodes sharing one store. Expired records are swept lazily.
 */
final class JtiStore {
    static final String PREFIX = "jti/";
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(10);
    private final Storage storage;
    private final Clock clock;
    private final MountSecrets secrets;
    private volatile Instant lastSweep;

    JtiStore(Storage storage, Clock clock, MountSecrets secrets) {
        this.storage = storage;
        this.clock = clock;
        this.secrets = secrets;
        this.lastSweep = clock.instant();
    }

    /** Claims (iss, jti) until {@code keepUntilEpoch}; false if it was already used and is still remembered. */
    boolean claim(String iss, String jti, long keepUntilEpoch) {
        String key = PREFIX + secrets.hmac("jti\0" + iss + "\0" + jti);
        byte[] value = Json.write(Map.of("until", keepUntilEpoch));
        for (int i = 0; i < 8; i++) {
            if (storage.compareAndSet(key, null, value)) return true;
            Optional<byte[]> cur = storage.get(key);
            if (cur.isEmpty()) continue;
            if (until(cur.get()) >= clock.instant().getEpochSecond()) return false;
            if (storage.compareAndSet(key, cur.get(), value)) return true; // the old record had lapsed
        }
        return false;
    }

    /** Deletes lapsed records at most every ten minutes; returns how many were removed. */
    int maybeSweep() {
        Instant now = clock.instant();
        if (Duration.between(lastSweep, now).compareTo(SWEEP_EVERY) < 0) return 0;
        lastSweep = now;
        return sweep();
    }

    int sweep() {
        long now = clock.instant().getEpochSecond();
        int n = 0;
        for (String k : storage.list(PREFIX)) {
            if (k.endsWith("/")) continue;
            Optional<byte[]> v = storage.get(PREFIX + k);
            if (v.isPresent() && until(v.get()) < now && storage.compareAndSet(PREFIX + k, v.get(), null)) n++;
        }
        return n;
    }

    private static long until(byte[] v) {
        Object u = Json.parseObject(v).get("until");
        return u instanceof Number n ? n.longValue() : 0;
    }
}
