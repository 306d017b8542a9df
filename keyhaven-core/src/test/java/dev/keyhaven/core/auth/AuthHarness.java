package dev.keyhaven.core.auth;

import dev.keyhaven.core.testing.MutableClock;
import dev.keyhaven.core.auth.policy.PolicyEndpoints;
import dev.keyhaven.core.auth.token.TokenConfig;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A miniature of the core's request flow for auth tests: route by path (auth/token/ → token engine, sys/policy...
 * → policy endpoints, anything else → a stub secrets engine that records existence), derive PathTraits from the
 * engine like the router does, authorize with the real {@link DefaultAuthService}, then handle.
 */
public final class AuthHarness implements AutoCloseable {
    public final Storage storage = AuthTestStorage.create();
    public final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    public final DefaultAuthService auth;
    public final String root;
    /** Paths the stub secrets engine treats as existing (create vs update). */
    public final Set<String> existing = new HashSet<>();

    public AuthHarness() {
        this(TokenConfig.DEFAULTS);
    }

    public AuthHarness(TokenConfig config) {
        auth = new DefaultAuthService(config);
        auth.start(storage, clock);
        root = auth.createRootToken(Optional.empty());
    }

    private final Engine stub = new Engine() {
        @Override
        public Response handle(Request request) {
            if (request.operation() == Operation.CREATE || request.operation() == Operation.UPDATE) existing.add(request.path());
            return Response.of(Response.map("ok", true));
        }

        @Override
        public Optional<Boolean> exists(Request request) {
            return Optional.of(existing.contains(request.path()));
        }
    };

    public Response call(String token, Operation op, String path) {
        return call(token, op, path, Map.of());
    }

    public Response call(String token, Operation op, String path, Map<String, Object> data) {
        Request req = Request.builder(op, path).clientToken(token).data(data).build();
        Engine engine;
        String rel;
        if (path.startsWith("auth/token/")) {
            engine = auth.tokenEngine();
            rel = path.substring("auth/token/".length());
            req.setMount("auth/token/", "token", "auth_token_0", rel);
        } else if (path.startsWith("sys/") && PolicyEndpoints.handles(path.substring(4))) {
            engine = auth.policyEndpoints();
            rel = path.substring(4);
            req.setMount("sys/", "system", "system_0", rel);
        } else {
            engine = stub;
            rel = path;
        }
        boolean sudo = matches(engine.rootPaths(), rel);
        Boolean exists = (op == Operation.CREATE || op == Operation.UPDATE) ? engine.exists(req).orElse(null) : null;
        auth.authorize(req, new PathTraits(false, sudo, exists));
        return engine.handle(req);
    }

    private static boolean matches(List<String> patterns, String rel) {
        for (String p : patterns) {
            if (p.endsWith("*") ? rel.startsWith(p.substring(0, p.length() - 1)) : rel.equals(p)) return true;
        }
        return false;
    }

    /** Writes a policy as root. */
    public void policy(String name, String hcl) {
        call(root, Operation.UPDATE, "sys/policies/acl/" + name, Map.of("policy", hcl));
    }

    /** Creates a token as root with the given policies (no default policy unless listed) and returns it. */
    public String token(Map<String, Object> body) {
        return (String) call(root, Operation.UPDATE, "auth/token/create", body).auth().get("client_token");
    }

    public String tokenWithPolicies(String... policies) {
        return token(Map.of("policies", List.of(policies)));
    }

    public void advance(Duration d) {
        clock.advance(d);
    }

    /** Runs {@code r} and returns the KeyhavenException it must throw. */
    public static KeyhavenException failure(Runnable r) {
        try {
            r.run();
        } catch (KeyhavenException e) {
            return e;
        }
        throw new AssertionError("expected a KeyhavenException");
    }

    @Override
    public void close() {
        auth.stop();
    }
}
