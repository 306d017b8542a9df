package dev.keyhaven.core.auth.token;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable tokens in the auth view. Layout (all values barrier-encrypted by the view):
 * <pre>
 *   token/salt                                  32 random bytes, created on first start
 *   token/id/&lt;h&gt;                                the entry (JSON), h = hex(HMAC-SHA256(salt, token))
 *   token/accessor/&lt;hex(HMAC(salt, accessor))&gt;  → h
 *   token/parent/&lt;parent h&gt;/&lt;child h&gt;           child index, for cascading revocation
 *   token/expiry/&lt;20-digit epoch&gt;-&lt;h&gt;           expiry index, for the sweeper
 *   token/role/&lt;name&gt;                           token roles (JSON)
 * </pre>
 * Every multi-record change is one atomic {@link Storage#batch}. Mutations are serialised by a lock (one node);
 * use counts are decremented with compare-and-set, so they stay exact across nodes sharing one store.
 */
public final class TokenStore {
    private static final Logger LOG = LoggerFactory.getLogger(TokenStore.class);
    static final String SALT = "token/salt";
    static final String ID = "token/id/";
    static final String ACCESSOR = "token/accessor/";
    static final String PARENT = "token/parent/";
    static final String EXPIRY = "token/expiry/";
    static final String ROLE = "token/role/";
    /**
     * Tombstones of revoked or expired tokens: {@code token/revoked/<t>} → {accessor, at, expired}, where
     * {@code t = hex(HMAC(salt, "tombstone:" + h))}, so no record of a removed token carries its id hash.
     */
    static final String REVOKED = "token/revoked/";
    /** Tombstone index by time, for pruning: {@code token/revoked-at/<20-digit epoch>-<t>}. */
    static final String REVOKED_AT = "token/revoked-at/";
    /** How long a removed token is remembered, so that its later use is reported as stale rather than unknown. */
    public static final Duration TOMBSTONE_RETENTION = Duration.ofDays(3);
    public static final String SERVICE_PREFIX = "hvs.";
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /** Random characters after {@code hvs.}: 32 base62 characters ≈ 190 bits. */
    static final int TOKEN_CHARS = 32;
    static final int ACCESSOR_CHARS = 24;
    /** Longest token value accepted in a request (longer input cannot be one of ours). */
    public static final int MAX_TOKEN_LENGTH = 512;

    /** A freshly minted token. {@link #toString()} hides the token value. */
    public record Created(String token, TokenEntry entry, List<String> warnings) {
        @Override
        public String toString() {
            return "Created[" + entry + "]";
        }
    }

    private final Storage storage;
    private final Clock clock;
    private final TokenConfig config;
    private final SecureRandom random = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();
    private final byte[] salt;

    public TokenStore(Storage authView, Clock clock, TokenConfig config) {
        this.storage = authView;
        this.clock = clock;
        this.config = config;
        byte[] s = new byte[32];
        random.nextBytes(s);
        if (!storage.compareAndSet(SALT, null, s)) s = storage.get(SALT).orElseThrow(() -> new IllegalStateException("token salt vanished"));
        this.salt = s;
    }

    public TokenConfig config() {
        return config;
    }

    public Instant now() {
        return clock.instant();
    }

    /** hex(HMAC-SHA256(salt, value)). */
    public String hash(String value) {
        return HexFormat.of().formatHex(mac().doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** A per-thread MAC keyed with this store's salt (provider lookup and key setup once per thread, not per request). */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private Mac mac() {
        return macs.get();
    }

    // ---------------------------------------------------------------- lookups

    /** The valid (unexpired) entry for a token value. */
    public Optional<TokenEntry> lookup(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) return Optional.empty();
        return lookupByHash(hash(token));
    }

    public Optional<TokenEntry> lookupByHash(String h) {
        Instant now = clock.instant();
        return raw(h).filter(e -> e.isValidAt(now));
    }

    public Optional<TokenEntry> lookupByAccessor(String accessor) {
        if (accessor == null || accessor.isEmpty() || accessor.length() > MAX_TOKEN_LENGTH) return Optional.empty();
        return storage.get(ACCESSOR + hash(accessor)).flatMap(b -> lookupByHash(new String(b, StandardCharsets.UTF_8)));
    }

    /** A token that was valid once: expired (still stored or swept) or revoked. Never holds the token value. */
    public record Stale(String accessor, boolean expired) {
        @Override
        public String toString() {
            return "Stale[" + (expired ? "expired" : "revoked") + "]";
        }
    }

    /**
     * For a token value that has no valid entry: whether it was ours and has expired or been revoked (within
     * {@link #TOMBSTONE_RETENTION}). Empty for a value we never issued.
     */
    public Optional<Stale> stale(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) return Optional.empty();
        String h = hash(token);
        Instant now = clock.instant();
        Optional<TokenEntry> e = raw(h);
        if (e.isPresent()) return e.get().isValidAt(now) ? Optional.empty() : Optional.of(new Stale(e.get().accessor(), true));
        return storage.get(REVOKED + tombstone(h)).map(b -> {
            Map<String, Object> m = Json.parseObject(b);
            return new Stale(String.valueOf(m.getOrDefault("accessor", "")), Boolean.TRUE.equals(m.get("expired")));
        });
    }

    private String tombstone(String h) {
        return hash("tombstone:" + h);
    }

    private Optional<TokenEntry> raw(String h) {
        return storage.get(ID + h).map(b -> TokenEntry.fromStored(Json.parseObject(b)));
    }

    /**
     * Revokes every token created under {@code pathPrefix} (e.g. {@code auth/jwt/} when that auth method is disabled,
     * as Vault's revoke-prefix), with their children; returns how many tokens were removed.
     */
    public int revokeByPathPrefix(String pathPrefix) {
        int n = 0;
        for (String h : storage.list(ID)) {
            if (h.endsWith("/")) continue;
            Optional<TokenEntry> e = raw(h);
            if (e.isPresent() && e.get().path().startsWith(pathPrefix)) n += revokeTree(h);
        }
        return n;
    }

    /** Accessors of all stored tokens (sudo-only listing). */
    public List<String> accessors() {
        List<String> out = new ArrayList<>();
        for (String h : storage.list(ID)) {
            if (h.endsWith("/")) continue;
            raw(h).ifPresent(e -> out.add(e.accessor()));
        }
        out.sort(null);
        return out;
    }

    // ---------------------------------------------------------------- creation

    /** Mints a token. TTL rules follow Vault's CalculateTTL; a child never outlives its parent. */
    public Created create(TokenSpec spec) {
        Instant nowI = clock.instant();
        long now = nowI.getEpochSecond();
        List<String> warnings = new ArrayList<>();
        boolean root = spec.policies().contains("root");
        long explicitMax = spec.explicitMaxTtl().toSeconds();
        long period = spec.period().toSeconds();
        long ttl = spec.ttl().toSeconds();
        long maxExpireAt;
        if (period > 0) {
            ttl = period;
            maxExpireAt = explicitMax > 0 ? now + explicitMax : 0;
            if (explicitMax > 0 && ttl > explicitMax) ttl = explicitMax;
        } else if (ttl > 0 || !root) {
            if (ttl == 0) ttl = config.defaultTtl().toSeconds();
            long maxTtl = config.maxTtl().toSeconds();
            long backendMax = spec.maxTtl().toSeconds();
            if (backendMax > 0 && backendMax < maxTtl) maxTtl = backendMax;
            if (explicitMax > 0 && explicitMax < maxTtl) maxTtl = explicitMax;
            if (ttl > maxTtl) {
                warnings.add("TTL of \"" + fmt(ttl) + "\" exceeded the effective max_ttl of \"" + fmt(maxTtl) + "\"; TTL value is capped accordingly");
                ttl = maxTtl;
            }
            maxExpireAt = now + maxTtl;
        } else {
            // A root token without TTL never expires, unless an explicit max TTL bounds it.
            ttl = explicitMax;
            maxExpireAt = explicitMax > 0 ? now + explicitMax : 0;
        }
        lock.lock();
        try {
            TokenEntry parent = null;
            if (!spec.parentHash().isEmpty()) {
                parent = lookupByHash(spec.parentHash()).orElseThrow(() -> KeyhavenException.badRequest("parent token lookup failed: no parent found"));
                if (parent.expireAt() != 0) {
                    if (ttl == 0) throw KeyhavenException.badRequest("expiring root tokens cannot create non-expiring root tokens");
                    if (now + ttl > parent.expireAt()) {
                        ttl = parent.expireAt() - now;
                        warnings.add("TTL is capped to the parent token's remaining lifetime of " + ttl + " seconds");
                    }
                }
            }
            String token;
            String h;
            if (spec.customId().isPresent()) {
                token = spec.customId().get();
                h = hash(token);
                if (storage.get(ID + h).isPresent()) throw KeyhavenException.badRequest("cannot create a token with a duplicate ID");
            } else {
                do {
                    token = SERVICE_PREFIX + randomBase62(TOKEN_CHARS);
                    h = hash(token);
                } while (storage.get(ID + h).isPresent());
            }
            String accessor;
            do {
                accessor = randomBase62(ACCESSOR_CHARS);
            } while (storage.get(ACCESSOR + hash(accessor)).isPresent());
            long expireAt = ttl > 0 ? now + ttl : 0;
            boolean renewable = spec.renewable() && expireAt != 0;
            TokenEntry e = new TokenEntry(h, accessor, spec.policies(), spec.parentHash(), spec.path(), spec.meta(), spec.displayName(),
                    spec.numUses(), now, ttl, expireAt, maxExpireAt, explicitMax, period, renewable, spec.role(), "", spec.entityAlias(), 0, spec.boundCidrs());
            List<StorageOp> ops = new ArrayList<>();
            ops.add(StorageOp.put(ID + h, Json.write(e.toStored())));
            ops.add(StorageOp.put(ACCESSOR + hash(accessor), h.getBytes(StandardCharsets.UTF_8)));
            if (!e.isOrphan()) ops.add(StorageOp.put(PARENT + e.parentHash() + "/" + h, new byte[] {1}));
            if (expireAt != 0) ops.add(StorageOp.put(expiryKey(expireAt, h), new byte[] {1}));
            storage.batch(ops);
            LOG.debug("created token for {} (policies {})", spec.path(), spec.policies());
            return new Created(token, e, warnings);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- renewal

    /** Renews a token; returns the updated entry and warnings. 400 when not renewable. */
    public Map.Entry<TokenEntry, List<String>> renew(TokenEntry current, Duration increment) {
        return renew(current, increment, null);
    }

    /**
     * Renews a token; returns the updated entry and warnings. 400 when not renewable. {@code loginRole}: the current
     * token settings of the role whose login issued it (null for others): as Vault's CalculateTTL with the backend's
     * TTL, max TTL and period taken from the role now and the token's own explicit max TTL, the max counted from the
     * token's creation.
     */
    public Map.Entry<TokenEntry, List<String>> renew(TokenEntry current, Duration increment, dev.keyhaven.core.auth.login.TokenParams loginRole) {
        lock.lock();
        try {
            TokenEntry e = lookupByHash(current.hash()).orElseThrow(() -> KeyhavenException.badRequest("token not found"));
            if (!e.renewable() || e.expireAt() == 0) throw KeyhavenException.badRequest("lease is not renewable");
            long now = clock.instant().getEpochSecond();
            List<String> warnings = new ArrayList<>();
            long ttl;
            long maxExpireAt = e.maxExpireAt();
            long period = e.period();
            if (loginRole != null) {
                // Vault's CalculateTTL: the mount's max, the role's token_max_ttl as it is now, and the token's own
                // explicit max TTL (recorded at login; a later change to the role's token_explicit_max_ttl does not apply)
                long maxTtl = config.maxTtl().toSeconds();
                if (loginRole.maxTtl() > 0 && loginRole.maxTtl() < maxTtl) maxTtl = loginRole.maxTtl();
                if (e.explicitMaxTtl() > 0 && e.explicitMaxTtl() < maxTtl) maxTtl = e.explicitMaxTtl();
                period = loginRole.period();
                if (period > 0) {
                    if (period > maxTtl) {
                        warnings.add("period of \"" + fmt(period) + "\" exceeded the effective max_ttl of \"" + fmt(maxTtl) + "\"; period value is capped accordingly");
                        period = maxTtl;
                    }
                    ttl = period;
                    maxExpireAt = e.explicitMaxTtl() > 0 ? e.creationTime() + e.explicitMaxTtl() : 0;
                } else {
                    ttl = increment.toSeconds() > 0 ? increment.toSeconds() : (loginRole.ttl() > 0 ? loginRole.ttl() : config.defaultTtl().toSeconds());
                    maxExpireAt = e.creationTime() + maxTtl;
                }
            } else if (e.period() > 0) {
                ttl = e.period();
            } else {
                ttl = increment.toSeconds() > 0 ? increment.toSeconds() : (e.creationTtl() > 0 ? e.creationTtl() : config.defaultTtl().toSeconds());
            }
            if (maxExpireAt != 0) {
                long remaining = maxExpireAt - now;
                if (remaining <= 0) throw KeyhavenException.badRequest("past the max TTL, cannot renew");
                if (ttl > remaining) {
                    warnings.add("TTL of \"" + fmt(ttl) + "\" exceeded the effective max_ttl of \"" + fmt(remaining) + "\"; TTL value is capped accordingly");
                    ttl = remaining;
                }
            }
            if (!e.isOrphan()) {
                Optional<TokenEntry> parent = lookupByHash(e.parentHash());
                if (parent.isPresent() && parent.get().expireAt() != 0 && now + ttl > parent.get().expireAt()) {
                    ttl = Math.max(0, parent.get().expireAt() - now);
                    warnings.add("TTL is capped to the parent token's remaining lifetime of " + ttl + " seconds");
                }
            }
            TokenEntry updated = e.renewed(now + ttl, now, maxExpireAt, period);
            List<StorageOp> ops = new ArrayList<>();
            ops.add(StorageOp.delete(expiryKey(e.expireAt(), e.hash())));
            ops.add(StorageOp.put(expiryKey(updated.expireAt(), e.hash()), new byte[] {1}));
            ops.add(StorageOp.put(ID + e.hash(), Json.write(updated.toStored())));
            storage.batch(ops);
            return Map.entry(updated, warnings);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- use counting

    /**
     * Counts one use of a token with a use limit (compare-and-set, so concurrent uses are never lost). Returns the
     * entry as it was for this use; when this was the last use, the token (and its children) is revoked. Empty if
     * the token is gone or out of uses.
     */
    public Optional<TokenEntry> use(TokenEntry entry) {
        if (entry.numUses() == 0) return Optional.of(entry);
        for (int attempt = 0; attempt < 64; attempt++) {
            Optional<byte[]> cur = storage.get(ID + entry.hash());
            if (cur.isEmpty()) return Optional.empty();
            TokenEntry e = TokenEntry.fromStored(Json.parseObject(cur.get()));
            if (!e.isValidAt(clock.instant())) return Optional.empty();
            if (e.numUses() <= 0) return Optional.of(e);
            if (e.numUses() == 1) {
                // Last use: claim it atomically, then revoke.
                TokenEntry spent = e.withNumUses(-1);
                if (!storage.compareAndSet(ID + e.hash(), cur.get(), Json.write(spent.toStored()))) continue;
                revokeTree(e.hash());
                return Optional.of(e.withNumUses(0));
            }
            if (e.numUses() < 0) return Optional.empty(); // being revoked
            TokenEntry next = e.withNumUses(e.numUses() - 1);
            if (storage.compareAndSet(ID + e.hash(), cur.get(), Json.write(next.toStored()))) return Optional.of(next);
        }
        throw new KeyhavenException(dev.keyhaven.core.logical.ErrorCode.UNAVAILABLE, "token use count is under heavy contention; retry");
    }

    // ---------------------------------------------------------------- revocation

    /** Revokes a token and all its descendants in one atomic batch. Revoking a missing token is a no-op. */
    public int revokeTree(String h) {
        lock.lock();
        try {
            List<StorageOp> ops = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            Deque<String> todo = new ArrayDeque<>();
            todo.add(h);
            while (!todo.isEmpty()) {
                String cur = todo.poll();
                if (!seen.add(cur)) continue;
                Optional<TokenEntry> e = raw(cur);
                e.ifPresent(te -> deleteOps(te, ops));
                for (String child : storage.list(PARENT + cur + "/")) {
                    if (child.endsWith("/")) continue;
                    ops.add(StorageOp.delete(PARENT + cur + "/" + child));
                    todo.add(child);
                }
            }
            if (!ops.isEmpty()) storage.batch(ops);
            return seen.size();
        } finally {
            lock.unlock();
        }
    }

    /** Revokes only this token; its children become orphans. */
    public void revokeOrphan(String h) {
        lock.lock();
        try {
            Optional<TokenEntry> e = raw(h);
            if (e.isEmpty()) return;
            List<StorageOp> ops = new ArrayList<>();
            deleteOps(e.get(), ops);
            for (String child : storage.list(PARENT + h + "/")) {
                if (child.endsWith("/")) continue;
                ops.add(StorageOp.delete(PARENT + h + "/" + child));
                raw(child).ifPresent(c -> ops.add(StorageOp.put(ID + child, Json.write(c.withParent("").toStored()))));
            }
            storage.batch(ops);
        } finally {
            lock.unlock();
        }
    }

    private void deleteOps(TokenEntry te, List<StorageOp> ops) {
        long now = clock.instant().getEpochSecond();
        boolean expired = te.expireAt() != 0 && te.expireAt() <= now;
        String t = tombstone(te.hash());
        ops.add(StorageOp.put(REVOKED + t, Json.write(Map.of("accessor", te.accessor(), "at", now, "expired", expired))));
        ops.add(StorageOp.put(REVOKED_AT + String.format("%020d", now) + "-" + t, new byte[] {1}));
        ops.add(StorageOp.delete(ID + te.hash()));
        ops.add(StorageOp.delete(ACCESSOR + hash(te.accessor())));
        if (!te.isOrphan()) ops.add(StorageOp.delete(PARENT + te.parentHash() + "/" + te.hash()));
        if (te.expireAt() != 0) ops.add(StorageOp.delete(expiryKey(te.expireAt(), te.hash())));
    }

    /** Revokes every token that expired at or before {@code now} (with its descendants). Returns how many were revoked. */
    public int sweepExpired(Instant now) {
        long t = now.getEpochSecond();
        int revoked = 0;
        for (String k : storage.list(EXPIRY)) {
            int dash = k.indexOf('-');
            if (dash != 20) continue;
            long at;
            try {
                at = Long.parseLong(k.substring(0, dash));
            } catch (NumberFormatException e) {
                continue;
            }
            if (at > t) break; // sorted by expiry
            String h = k.substring(dash + 1);
            Optional<TokenEntry> e = raw(h);
            if (e.isEmpty()) {
                storage.delete(EXPIRY + k); // stale index entry
                continue;
            }
            if (e.get().expireAt() != 0 && e.get().expireAt() <= t) revoked += revokeTree(h);
            else storage.delete(EXPIRY + k);
        }
        if (revoked > 0) LOG.info("token sweeper revoked {} expired token(s)", revoked);
        pruneTombstones(t - TOMBSTONE_RETENTION.toSeconds());
        return revoked;
    }

    /** Forgets removed tokens whose tombstone was written at or before {@code cutoff} (epoch seconds). */
    void pruneTombstones(long cutoff) {
        for (String k : storage.list(REVOKED_AT)) {
            int dash = k.indexOf('-');
            if (dash != 20) continue;
            long at;
            try {
                at = Long.parseLong(k.substring(0, dash));
            } catch (NumberFormatException e) {
                continue;
            }
            if (at > cutoff) break; // sorted by time
            storage.batch(List.of(StorageOp.delete(REVOKED + k.substring(dash + 1)), StorageOp.delete(REVOKED_AT + k)));
        }
    }

    private static String expiryKey(long expireAt, String h) {
        return EXPIRY + String.format("%020d", expireAt) + "-" + h;
    }

    // ---------------------------------------------------------------- roles

    public Optional<TokenRole> role(String name) {
        return storage.get(ROLE + name).map(b -> TokenRole.fromStored(Json.parseObject(b)));
    }

    public void putRole(TokenRole role) {
        storage.put(ROLE + role.name(), Json.write(role.toStored()));
    }

    public void deleteRole(String name) {
        storage.delete(ROLE + name);
    }

    public List<String> roles() {
        List<String> out = new ArrayList<>();
        for (String k : storage.list(ROLE)) if (!k.endsWith("/")) out.add(k);
        return out;
    }

    // ---------------------------------------------------------------- helpers

    String randomBase62(int n) {
        StringBuilder sb = new StringBuilder(n);
        while (sb.length() < n) {
            int b = random.nextInt(256);
            if (b < 248) sb.append(BASE62.charAt(b % 62)); // 248 = 4*62: rejection sampling keeps it uniform
        }
        return sb.toString();
    }

    static String fmt(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        long h = d.toHours(), m = d.toMinutesPart(), s = d.toSecondsPart();
        StringBuilder sb = new StringBuilder();
        if (h > 0) sb.append(h).append('h');
        if (h > 0 || m > 0) sb.append(m).append('m');
        sb.append(s).append('s');
        return sb.toString();
    }

    /** For tests: whether any record of this token (entry or index) is left in storage. */
    boolean anyTrace(String h) {
        return storage.get(ID + h).isPresent() || !storage.list(PARENT + h + "/").isEmpty();
    }

}
