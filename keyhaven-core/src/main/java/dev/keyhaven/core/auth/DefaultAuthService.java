package dev.keyhaven.core.auth;

import dev.keyhaven.core.auth.policy.Acl;
import dev.keyhaven.core.auth.policy.Capability;
import dev.keyhaven.core.auth.policy.PolicyEndpoints;
import dev.keyhaven.core.auth.policy.PolicyStore;
import dev.keyhaven.core.auth.token.TokenConfig;
import dev.keyhaven.core.auth.token.TokenEngine;
import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.auth.token.TokenSpec;
import dev.keyhaven.core.auth.token.TokenStore;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.storage.Storage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full {@link AuthService}: tokens ({@link TokenStore}) and ACL policies ({@link PolicyStore}).
 *
 * <p>Wiring: create one instance; mount {@link #tokenEngine()} at {@code auth/token/}; register
 * {@link #policyEndpoints()} in the system backend for the prefixes in {@link PolicyEndpoints#PREFIXES}; call
 * {@link #start} on unseal and {@link #stop} on seal. Both engines fail with 503 while the service is stopped.
 */
public final class DefaultAuthService implements AuthService {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultAuthService.class);

    /** What an auth method (AppRole, JWT...) asks for when a login succeeds. Durations zero = defaults. */
    public record LoginSpec(String mountPath, List<String> policies, Duration ttl, Duration maxTtl, Duration period, long numUses,
                            Map<String, String> metadata, String displayName, String entityAlias, boolean renewable, boolean noDefaultPolicy,
                            List<String> boundCidrs, Duration explicitMaxTtl) {
        public LoginSpec {
            policies = List.copyOf(policies);
            metadata = Map.copyOf(metadata);
            boundCidrs = boundCidrs == null ? List.of() : List.copyOf(boundCidrs);
            explicitMaxTtl = explicitMaxTtl == null ? Duration.ZERO : explicitMaxTtl;
        }

        /** The same login, with the issued token bound to {@code cidrs} (e.g. a secret ID's own token_bound_cidrs). */
        public LoginSpec withBoundCidrs(List<String> cidrs) {
            return new LoginSpec(mountPath, policies, ttl, maxTtl, period, numUses, metadata, displayName, entityAlias, renewable, noDefaultPolicy, cidrs,
                    explicitMaxTtl);
        }
    }

    private final TokenConfig config;
    private final TokenEngine tokenEngine = new TokenEngine(this);
    private final PolicyEndpoints policyEndpoints = new PolicyEndpoints(this);
    private volatile State state;
    private final List<AuthListener> listeners = new CopyOnWriteArrayList<>();
    private volatile java.util.function.Function<String, Optional<dev.keyhaven.core.auth.login.LoginRenewal>> loginRenewals = p -> Optional.empty();

    private record State(TokenStore tokens, PolicyStore policies, ScheduledExecutorService sweeper) {}

    public DefaultAuthService() {
        this(TokenConfig.DEFAULTS);
    }

    public DefaultAuthService(TokenConfig config) {
        this.config = config;
    }

    @Override
    public synchronized void start(Storage authView, Clock clock) {
        if (state != null) throw new IllegalStateException("auth service already started");
        TokenStore tokens = new TokenStore(authView, clock, config);
        PolicyStore policies = new PolicyStore(authView, clock);
        policies.ensureDefaults();
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keyhaven-token-sweeper");
            t.setDaemon(true);
            return t;
        });
        long every = config.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                tokens.sweepExpired(clock.instant());
            } catch (RuntimeException e) {
                LOG.warn("token sweep failed: {}", e.getClass().getSimpleName());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        state = new State(tokens, policies, sweeper);
    }

    @Override
    public synchronized void stop() {
        State s = state;
        state = null;
        if (s != null) {
            s.sweeper().shutdownNow();
            try {
                s.sweeper().awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private State state() {
        State s = state;
        if (s == null) throw new KeyhavenException(ErrorCode.SEALED, "Keyhaven is sealed");
        return s;
    }

    @Override
    public void loginRenewals(java.util.function.Function<String, Optional<dev.keyhaven.core.auth.login.LoginRenewal>> byMountPath) {
        this.loginRenewals = java.util.Objects.requireNonNull(byMountPath);
    }

    /**
     * The current token settings of the role that issued {@code token} at an auth method's login (empty for tokens
     * made at {@code auth/token/}, or when the method is gone); 400 when the role was deleted.
     */
    public Optional<dev.keyhaven.core.auth.login.TokenParams> loginRoleFor(TokenEntry token) {
        String path = token.path();
        if (!path.startsWith("auth/") || path.startsWith("auth/token/") || !path.endsWith("/login")) return Optional.empty();
        String mount = path.substring(0, path.length() - "login".length());
        return loginRenewals.apply(mount).map(r -> r.renewal(token));
    }

    @Override
    public int revokeIssuedUnder(String mountPath) {
        String prefix = mountPath.endsWith("/") ? mountPath : mountPath + "/";
        if (!prefix.startsWith("auth/") || prefix.equals("auth/token/")) return 0;
        return tokenStore().revokeByPathPrefix(prefix);
    }

    public TokenStore tokenStore() {
        return state().tokens();
    }

    public PolicyStore policyStore() {
        return state().policies();
    }

    /** The engine to mount at {@code auth/token/}. */
    public TokenEngine tokenEngine() {
        return tokenEngine;
    }

    /** The handler for {@code sys/policy*}, {@code sys/policies/acl*}, {@code sys/capabilities*}. */
    public PolicyEndpoints policyEndpoints() {
        return policyEndpoints;
    }

    @Override
    public String createRootToken(Optional<String> id) {
        if (id.isPresent()) {
            String v = id.get();
            if (v.isEmpty() || v.length() > 256) throw KeyhavenException.badRequest("root token ID must be 1 to 256 characters");
            for (char c : v.toCharArray()) if (c <= 0x20 || c >= 0x7f) throw KeyhavenException.badRequest("root token ID must be printable ASCII without spaces");
        }
        TokenSpec spec = new TokenSpec(List.of("root"), Map.of(), "root", 0, Duration.ZERO, Duration.ZERO, Duration.ZERO, false, "",
                "auth/token/root", "", id, "", List.of());
        return tokenStore().create(spec).token();
    }

    /**
     * Mints a token for a successful login of an auth method and returns Vault's {@code auth} response block
     * ({@code client_token, accessor, policies, token_policies, metadata, lease_duration, renewable, entity_id,
     * token_type, orphan, mfa_requirement, num_uses}). Login tokens are orphans, like Vault's.
     */
    public Map<String, Object> issueLoginToken(LoginSpec spec) {
        List<String> pol = new ArrayList<>();
        for (String p : spec.policies()) {
            String n = p.strip().toLowerCase(Locale.ROOT);
            if (n.isEmpty()) continue;
            if (n.equals("root")) throw KeyhavenException.badRequest("auth methods cannot issue root tokens");
            Fields.segmentName("policy", n);
            if (!pol.contains(n)) pol.add(n);
        }
        if (!spec.noDefaultPolicy() && !pol.contains("default")) pol.add("default");
        pol.sort(null);
        String display = spec.displayName().isEmpty() ? spec.mountPath().replaceAll("^auth/|/$", "").replace('/', '-')
                : spec.mountPath().replaceAll("^auth/|/$", "").replace('/', '-') + "-" + spec.displayName();
        TokenSpec ts = new TokenSpec(pol, spec.metadata(), display, spec.numUses(), spec.ttl(), spec.explicitMaxTtl(), spec.period(),
                spec.renewable(), "", spec.mountPath() + (spec.mountPath().endsWith("/") ? "" : "/") + "login", "", Optional.empty(), spec.entityAlias(), spec.boundCidrs(),
                spec.maxTtl());
        TokenStore.Created c = tokenStore().create(ts);
        return TokenEngine.authBlock(c.token(), c.entry(), tokenStore().now());
    }

    @Override
    public void authorize(Request request, PathTraits traits) {
        State s = state();
        Optional<TokenEntry> entry = request.clientToken().flatMap(t -> s.tokens().lookup(t)).filter(e -> e.numUses() >= 0);
        if (traits.unauthenticated()) {
            entry.filter(e -> e.usableFrom(request.remoteAddress())).ifPresent(request::setAuth);
            return;
        }
        if (entry.isEmpty()) throw refused(request, classify(s, request));
        TokenEntry te = entry.get();
        // a token bound to CIDR blocks (token_bound_cidrs) is refused from anywhere else, as Vault's CheckToken does
        if (!te.usableFrom(request.remoteAddress())) throw refused(request, AuthListener.PERMISSION_DENIED, te.accessor());
        Acl acl = s.policies().acl(te.policies());
        String path = request.path();
        if (request.operation() == Operation.LIST && !path.endsWith("/")) path = path + "/";
        int needed = switch (request.operation()) {
            case READ -> Capability.READ.bit();
            case LIST -> Capability.LIST.bit();
            case DELETE -> Capability.DELETE.bit();
            case PATCH -> Capability.PATCH.bit();
            case CREATE, UPDATE -> Boolean.FALSE.equals(traits.exists()) ? Capability.CREATE.bit() : Capability.UPDATE.bit();
        };
        Operation checkOp = request.operation();
        if (checkOp == Operation.CREATE || checkOp == Operation.UPDATE) checkOp = Boolean.FALSE.equals(traits.exists()) ? Operation.CREATE : Operation.UPDATE;
        Acl.Decision d = acl.check(checkOp, needed, path, request.data());
        if (!d.allowed() || (traits.sudo() && !d.sudo())) throw refused(request, AuthListener.PERMISSION_DENIED, "");
        if (te.numUses() > 0) {
            te = s.tokens().use(te).orElseThrow(() -> refused(request, AuthListener.INVALID_TOKEN, ""));
        }
        request.setAuth(te);
    }

    @Override
    public void addListener(AuthListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    private record Refusal(String reason, String accessor) {}

    /** Why no valid entry was found: no token, a stale (expired or revoked) one, or one we never issued. */
    private static Refusal classify(State s, Request request) {
        Optional<String> token = request.clientToken();
        if (token.isEmpty()) return new Refusal(AuthListener.MISSING_TOKEN, "");
        return s.tokens().stale(token.get())
                .map(st -> new Refusal(st.expired() ? AuthListener.EXPIRED_TOKEN : AuthListener.REVOKED_TOKEN, st.accessor()))
                .orElse(new Refusal(AuthListener.INVALID_TOKEN, ""));
    }

    private KeyhavenException refused(Request request, Refusal r) {
        return refused(request, r.reason(), r.accessor());
    }

    /** Tells the listeners (never failing the request because of them) and returns the 403 to throw. */
    private KeyhavenException refused(Request request, String reason, String accessor) {
        if (!listeners.isEmpty()) {
            AuthListener.AuthFailure f = new AuthListener.AuthFailure("token", reason, request.remoteAddress(), accessor);
            for (AuthListener l : listeners) {
                try {
                    l.onAuthFailure(f);
                } catch (RuntimeException e) {
                    LOG.warn("auth listener failed: {}", e.getClass().getSimpleName());
                }
            }
        }
        return KeyhavenException.permissionDenied();
    }

    @Override
    public boolean hasMountAccess(Request request, String mountPath) {
        return request.auth(TokenEntry.class).map(e -> policyStore().acl(e.policies()).hasMountAccess(mountPath)).orElse(false);
    }

    /** Whether the token has root or the {@code sudo} capability on {@code fullPath}. */
    public boolean hasSudo(TokenEntry entry, String fullPath) {
        Acl acl = policyStore().acl(entry.policies());
        if (acl.isRoot()) return true;
        return acl.check(Operation.READ, 0, fullPath, Map.of()).sudo();
    }

    /** ACL of the request's (already authorized) token, for sys/capabilities-self. */
    public Acl aclForRequestToken(Request request) {
        TokenEntry e = request.auth(TokenEntry.class)
                .or(() -> request.clientToken().flatMap(t -> tokenStore().lookup(t)))
                .orElseThrow(KeyhavenException::permissionDenied);
        return policyStore().acl(e.policies());
    }

    /** ACL of a token given by value (sys/capabilities); 400 "invalid token" when unknown. */
    public Acl aclForToken(String token) {
        TokenEntry e = tokenStore().lookup(token).orElseThrow(() -> KeyhavenException.badRequest("invalid token"));
        return policyStore().acl(e.policies());
    }

    /** ACL of a token given by accessor (sys/capabilities-accessor); 400 "invalid accessor" when unknown. */
    public Acl aclForAccessor(String accessor) {
        TokenEntry e = tokenStore().lookupByAccessor(accessor).orElseThrow(() -> KeyhavenException.badRequest("invalid accessor"));
        return policyStore().acl(e.policies());
    }
}
