package dev.keyhaven.core.auth.jwt;

import dev.keyhaven.core.testing.MutableClock;
import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.login.LoginAttempt;
import dev.keyhaven.core.auth.login.TokenIssuer;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A JWT auth engine mounted at auth/jwt/ over in-memory storage, minting real tokens through DefaultAuthService. */
final class JwtHarness implements AutoCloseable {
    final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    final Storage authStorage = new MemoryStorage();
    final Storage mountStorage = new MemoryStorage();
    final DefaultAuthService auth = new DefaultAuthService();
    final List<LoginAttempt> events = new CopyOnWriteArrayList<>();
    JwtAuthEngine engine;
    String remoteAddress = "127.0.0.1";

    JwtHarness() {
        auth.start(authStorage, clock);
        engine = newEngine();
    }

    JwtAuthEngine newEngine() {
        return new JwtAuthEngine(new EngineContext("auth/jwt/", "auth_jwt_0", "jwt", Map.of(), mountStorage, clock), TokenIssuer.of(auth), events::add);
    }

    Response call(Operation op, String rel, Map<String, Object> data) {
        Request r = Request.builder(op, "auth/jwt/" + rel).data(data).remoteAddress(remoteAddress).build();
        r.setMount("auth/jwt/", "jwt", "auth_jwt_0", rel);
        return engine.handle(r);
    }

    Response write(String rel, Map<String, Object> data) {
        return call(Operation.UPDATE, rel, data);
    }

    Response read(String rel) {
        return call(Operation.READ, rel, Map.of());
    }

    KeyhavenException error(Operation op, String rel, Map<String, Object> data) {
        try {
            call(op, rel, data);
        } catch (KeyhavenException e) {
            return e;
        }
        throw new AssertionError("expected an error from " + op + " " + rel);
    }

    Response login(String role, String jwt) {
        return write("login", Map.of("role", role, "jwt", jwt));
    }

    KeyhavenException loginError(String role, String jwt) {
        return error(Operation.UPDATE, "login", Map.of("role", role, "jwt", jwt));
    }

    void configureDiscovery(TestIssuer issuer) {
        write("config", Map.of("oidc_discovery_url", issuer.issuerUrl(), "oidc_discovery_ca_pem", issuer.caPem(), "bound_issuer", issuer.issuerUrl()));
    }

    LoginAttempt lastEvent() {
        return events.get(events.size() - 1);
    }

    @Override
    public void close() {
        auth.stop();
    }
}
