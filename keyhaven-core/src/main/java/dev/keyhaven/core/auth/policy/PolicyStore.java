package dev.keyhaven.core.auth.policy;

import dev.keyhaven.core.auth.Fields;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.StorageOp;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Durable ACL policies at {@code policy/acl/<name>} (raw text, UTF-8) in the auth view, with parsed policies and
 * compiled {@link Acl}s cached in memory.
 *
 * <p>Caches are dropped on every local write and delete. For several nodes sharing one store, every write also
 * replaces a random marker at {@code policy/generation} in the same atomic batch; a node re-reads that marker at
 * most once per {@link #revalidateEvery} and drops its caches when it changed. So a change made on another node
 * takes effect here within that interval (1 s by default).
 */
public final class PolicyStore {
    public static final String ROOT = "root";
    public static final String DEFAULT = "default";
    static final String PREFIX = "policy/acl/";
    static final String GENERATION = "policy/generation";
    private static final int MAX_CACHED_ACLS = 4096;

    /** Vault's built-in default policy (templated identity paths are kept as text; they never match here). */
    public static final String DEFAULT_POLICY = """
            # Allow tokens to look up their own properties
            path "auth/token/lookup-self" {
                capabilities = ["read"]
            }

            # Allow tokens to renew themselves
            path "auth/token/renew-self" {
                capabilities = ["update"]
            }

            # Allow tokens to revoke themselves
            path "auth/token/revoke-self" {
                capabilities = ["update"]
            }

            # Allow a token to look up its own capabilities on a path
            path "sys/capabilities-self" {
                capabilities = ["update"]
            }

            # Allow a token to look up its own entity by id or name
            path "identity/entity/id/{{identity.entity.id}}" {
              capabilities = ["read"]
            }
            path "identity/entity/name/{{identity.entity.name}}" {
              capabilities = ["read"]
            }

            # Allow a token to look up its resultant ACL from all policies. This is useful
            # for UIs. It is an internal path because the format may change at any time
            # based on how the internal ACL features and capabilities change.
            path "sys/internal/ui/resultant-acl" {
                capabilities = ["read"]
            }

            # Allow a token to renew a lease via lease_id in the request body; old path for
            # old clients, new path for newer
            path "sys/renew" {
                capabilities = ["update"]
            }
            path "sys/leases/renew" {
                capabilities = ["update"]
            }

            # Allow looking up lease properties. This requires knowing the lease ID ahead
            # of time and does not divulge any sensitive information.
            path "sys/leases/lookup" {
                capabilities = ["update"]
            }

            # Allow a token to manage its own cubbyhole
            path "cubbyhole/*" {
                capabilities = ["create", "read", "update", "delete", "list"]
            }

            # Allow a token to wrap arbitrary values in a response-wrapping token
            path "sys/wrapping/wrap" {
                capabilities = ["update"]
            }

            # Allow a token to look up the creation time and TTL of a given
            # response-wrapping token
            path "sys/wrapping/lookup" {
                capabilities = ["update"]
            }

            # Allow a token to unwrap a response-wrapping token. This is a convenience to
            # avoid client token swapping since this is also part of the response wrapping
            # policy.
            path "sys/wrapping/unwrap" {
                capabilities = ["update"]
            }

            # Allow general purpose tools
            path "sys/tools/hash" {
                capabilities = ["update"]
            }
            path "sys/tools/hash/*" {
                capabilities = ["update"]
            }

            # Allow checking the status of a Control Group request if the user has the
            # accessor
            path "sys/control-group/request" {
                capabilities = ["update"]
            }

            # Allow a token to make requests to the Authorization Endpoint for OIDC providers.
            path "identity/oidc/provider/+/authorize" {
                capabilities = ["read", "update"]
            }
            """;

    private final Storage storage;
    private final Clock clock;
    private final Duration revalidateEvery;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Optional<Policy>> policies = new ConcurrentHashMap<>();
    private final Map<List<String>, Acl> acls = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private volatile byte[] generation;
    private volatile Instant lastValidated = Instant.MIN;

    public PolicyStore(Storage authView, Clock clock) {
        this(authView, clock, Duration.ofSeconds(1));
    }

    public PolicyStore(Storage authView, Clock clock, Duration revalidateEvery) {
        this.storage = authView;
        this.clock = clock;
        this.revalidateEvery = revalidateEvery;
        this.generation = storage.get(GENERATION).orElse(null);
    }

    /** Creates the {@code default} policy if it does not exist yet (an edited default is kept). */
    public void ensureDefaults() {
        synchronized (writeLock) {
            if (storage.get(PREFIX + DEFAULT).isEmpty()) write(DEFAULT, DEFAULT_POLICY);
        }
    }

    /** Vault normalises policy names: trimmed, lower-cased. */
    public static String normalize(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return Fields.segmentName("policy", n);
    }

    public Optional<Policy> get(String name) {
        revalidate();
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals(ROOT)) return Optional.of(new Policy(ROOT, "", List.of()));
        return policies.computeIfAbsent(n, this::load);
    }

    private Optional<Policy> load(String name) {
        try {
            Fields.segmentName("policy", name);
        } catch (KeyhavenException e) {
            return Optional.empty();
        }
        return storage.get(PREFIX + name).map(b -> {
            String raw = new String(b, StandardCharsets.UTF_8);
            return PolicyParser.parse(name, raw);
        });
    }

    /** Parses (400 on error), then stores {@code raw} under the normalised name. Root cannot be changed. */
    public Policy put(String name, String raw) {
        String n = normalize(name);
        if (n.equals(ROOT)) throw KeyhavenException.badRequest("cannot update \"root\" policy");
        Policy p = PolicyParser.parse(n, raw);
        synchronized (writeLock) {
            write(n, raw);
        }
        return p;
    }

    private void write(String name, String raw) {
        byte[] gen = newGeneration();
        storage.batch(List.of(StorageOp.put(PREFIX + name, raw.getBytes(StandardCharsets.UTF_8)), StorageOp.put(GENERATION, gen)));
        invalidate(gen);
    }

    public void delete(String name) {
        String n = normalize(name);
        if (n.equals(ROOT)) throw KeyhavenException.badRequest("cannot delete \"root\" policy");
        if (n.equals(DEFAULT)) throw KeyhavenException.badRequest("cannot delete default policy");
        synchronized (writeLock) {
            byte[] gen = newGeneration();
            storage.batch(List.of(StorageOp.delete(PREFIX + n), StorageOp.put(GENERATION, gen)));
            invalidate(gen);
        }
    }

    /** Stored policy names, sorted (without {@code root}). */
    public List<String> list() {
        List<String> out = new ArrayList<>();
        for (String k : storage.list(PREFIX)) if (!k.endsWith("/")) out.add(k);
        return out;
    }

    /** The compiled ACL for a token's policy names (missing policies are ignored, as in Vault). */
    public Acl acl(Collection<String> names) {
        revalidate();
        List<String> key = new ArrayList<>(new TreeSet<>(names));
        Acl cached = acls.get(key);
        if (cached != null) return cached;
        if (key.contains(ROOT)) return Acl.root();
        byte[] genBefore = generation;
        List<Policy> ps = new ArrayList<>();
        for (String n : key) get(n).ifPresent(ps::add);
        Acl acl = Acl.compile(ps);
        synchronized (writeLock) {
            // Cache only if no write happened meanwhile (else this ACL may mix old and new policies).
            if (generation == genBefore) {
                if (acls.size() >= MAX_CACHED_ACLS) acls.clear();
                acls.put(List.copyOf(key), acl);
            }
        }
        return acl;
    }

    private void revalidate() {
        Instant now = clock.instant();
        if (now.isBefore(lastValidated.plus(revalidateEvery)) && !revalidateEvery.isZero()) return;
        byte[] current = storage.get(GENERATION).orElse(null);
        if (!Arrays.equals(current, generation)) invalidate(current);
        lastValidated = now;
    }

    private void invalidate(byte[] gen) {
        generation = gen;
        policies.clear();
        acls.clear();
    }

    private byte[] newGeneration() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return b;
    }
}
