package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyhaven.core.auth.AuthTestStorage;
import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.approle.AppRoleFactory;
import dev.keyhaven.core.auth.jwt.JwtAuthFactory;
import dev.keyhaven.core.auth.jwt.TestIssuer;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Canaries: the raw JWT, secret IDs, role IDs and issued tokens never reach logs (any level), error messages,
 * login events (the audit feed) or the stored data, across successful and failed logins of both methods.
 */
class LoginCanaryTest {
    final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    final Storage authStorage = new MemoryStorage();
    final DefaultAuthService auth = new DefaultAuthService();
    final List<LoginAttempt> events = new CopyOnWriteArrayList<>();
    final List<String> seen = new ArrayList<>();
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger root;
    Level previous;

    @BeforeEach
    void capture() {
        auth.start(authStorage, clock);
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        previous = root.getLevel();
        root.setLevel(Level.TRACE);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void release() {
        root.detachAppender(logs);
        root.setLevel(previous);
        auth.stop();
    }

    Response call(Engine e, String mount, Operation op, String rel, Map<String, Object> data) {
        Request r = Request.builder(op, mount + rel).data(data).remoteAddress("127.0.0.1").build();
        r.setMount(mount, "x", "x", rel);
        try {
            Response resp = e.handle(r);
            seen.add(resp.toString());
            seen.add(String.valueOf(resp.warnings()));
            return resp;
        } catch (KeyhavenException ex) {
            seen.add(ex.getMessage());
            seen.add(ex.toString());
            seen.add(String.valueOf(ex.errors()));
            return null;
        }
    }

    @Test
    void noCredentialOrTokenValueAppearsInLogsErrorsEventsOrStorage() {
        LoginEvents sinks = events::add;
        sinks = sinks.and(new Slf4jLoginEvents());
        TokenIssuer issuer = TokenIssuer.of(auth);
        Storage jwtStore = new MemoryStorage();
        Storage appStore = new MemoryStorage();
        Engine jwt = new JwtAuthFactory("jwt", issuer, sinks).create(new EngineContext("auth/jwt/", "a1", "jwt", Map.of(), jwtStore, clock));
        Engine app = new AppRoleFactory(issuer, sinks).create(new EngineContext("auth/approle/", "a2", "approle", Map.of(), appStore, clock));
        List<String> canaries = new ArrayList<>();
        List<String> notStoredCheckExempt;

        TestIssuer idp = TestIssuer.start();
        String aud = "https://keyhaven.example.invalid";
        call(jwt, "auth/jwt/", Operation.UPDATE, "config", Map.of("oidc_discovery_url", idp.issuerUrl(), "oidc_discovery_ca_pem", idp.caPem(),
                "bound_issuer", idp.issuerUrl()));
        call(jwt, "auth/jwt/", Operation.UPDATE, "role/ci", Map.of("role_type", "jwt", "user_claim", "sub", "bound_audiences", aud,
                "bound_claims", Map.of("repository_id", "2002"), "jti_replay_protection", true, "verbose_oidc_logging", true));
        String good = idp.mint(idp.github(clock.instant(), "acme/app", aud));
        canaries.add(good);
        Response ok = call(jwt, "auth/jwt/", Operation.UPDATE, "login", Map.of("role", "ci", "jwt", good));
        canaries.add((String) ok.auth().get("client_token"));
        call(jwt, "auth/jwt/", Operation.UPDATE, "login", Map.of("role", "ci", "jwt", good)); // replay
        String forged = idp.mintForged(idp.github(clock.instant(), "acme/app", aud));
        canaries.add(forged);
        call(jwt, "auth/jwt/", Operation.UPDATE, "login", Map.of("role", "ci", "jwt", forged));
        String garbage = "kh-canary-" + UUID.randomUUID();
        canaries.add(garbage);
        call(jwt, "auth/jwt/", Operation.UPDATE, "login", Map.of("role", "ci", "jwt", garbage));
        Map<String, Object> otherRepo = idp.github(clock.instant(), "acme/other", aud);
        otherRepo.put("repository_id", "1");
        String wrong = idp.mint(otherRepo);
        canaries.add(wrong);
        call(jwt, "auth/jwt/", Operation.UPDATE, "login", Map.of("role", "ci", "jwt", wrong));
        clock.advance(Duration.ofHours(1));
        call(jwt, "auth/jwt/", Operation.UPDATE, "login", Map.of("role", "ci", "jwt", good)); // expired

        call(app, "auth/approle/", Operation.UPDATE, "role/svc", Map.of("token_policies", "svc", "secret_id_num_uses", 1));
        String roleId = (String) call(app, "auth/approle/", Operation.READ, "role/svc/role-id", Map.of()).data().get("role_id");
        notStoredCheckExempt = List.of(roleId); // the role ID is readable at role/NAME/role-id, so it is stored (barrier-encrypted)
        canaries.add(roleId);
        String secretId = (String) call(app, "auth/approle/", Operation.UPDATE, "role/svc/secret-id", Map.of()).data().get("secret_id");
        canaries.add(secretId);
        String custom = "kh-canary-secret-" + UUID.randomUUID();
        canaries.add(custom);
        call(app, "auth/approle/", Operation.UPDATE, "role/svc/custom-secret-id", Map.of("secret_id", custom));
        Response appOk = call(app, "auth/approle/", Operation.UPDATE, "login", Map.of("role_id", roleId, "secret_id", secretId));
        canaries.add((String) appOk.auth().get("client_token"));
        call(app, "auth/approle/", Operation.UPDATE, "login", Map.of("role_id", roleId, "secret_id", secretId)); // used up
        call(app, "auth/approle/", Operation.UPDATE, "login", Map.of("role_id", roleId, "secret_id", custom + "x"));
        call(app, "auth/approle/", Operation.UPDATE, "role/svc/secret-id/lookup", Map.of("secret_id", custom));
        call(app, "auth/approle/", Operation.UPDATE, "login", Map.of("role_id", custom, "secret_id", custom));

        StringBuilder all = new StringBuilder();
        for (ILoggingEvent e : logs.list) {
            all.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) all.append(e.getThrowableProxy().getMessage()).append('\n');
        }
        for (LoginAttempt a : events) all.append(a).append('\n');
        seen.forEach(s -> all.append(s).append('\n'));
        String everything = all.toString();
        String stored = AuthTestStorage.everything(jwtStore) + AuthTestStorage.everything(appStore) + AuthTestStorage.everything(authStorage);

        assertThat(events).hasSizeGreaterThanOrEqualTo(10);
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().startsWith("login method=jwt"));
        assertThat(logs.list).anyMatch(e -> e.getFormattedMessage().startsWith("login method=approle") && e.getFormattedMessage().contains("outcome=success"));
        for (String c : canaries) {
            assertThat(c).isNotBlank();
            assertThat(everything).as("a credential or token leaked into logs, errors or events").doesNotContain(c);
            if (!notStoredCheckExempt.contains(c)) assertThat(stored).as("a credential or token is stored in clear").doesNotContain(c);
            // JWT signatures are the unguessable part; make sure no fragment of the token leaks either.
            if (c.chars().filter(ch -> ch == '.').count() == 2) assertThat(everything).doesNotContain(c.substring(c.lastIndexOf('.') + 1));
        }
        assertThat(events).allSatisfy(e -> {
            if (!e.credentialHmac().isEmpty()) assertThat(e.credentialHmac()).matches("hmac-sha256:[0-9a-f]{64}");
        });
    }

    @Test
    void theOidcBrowserFlowLeaksNeitherTheClientSecretNorCodesNorTokens() throws Exception {
        LoginEvents sinks = events::add;
        sinks = sinks.and(new Slf4jLoginEvents());
        Storage oidcStore = new MemoryStorage();
        Engine oidc = new JwtAuthFactory("oidc", TokenIssuer.of(auth), sinks).create(new EngineContext("auth/oidc/", "a3", "oidc", Map.of(), oidcStore, clock));
        TestIssuer idp = TestIssuer.start();
        String secret = "kh-canary-client-secret-" + UUID.randomUUID();
        idp.oidcClient("kh-client", secret);
        idp.signIn(Map.of("sub", "u-1", "email", "ada@example.invalid"));
        call(oidc, "auth/oidc/", Operation.UPDATE, "config", Map.of("oidc_discovery_url", idp.issuerUrl(), "oidc_discovery_ca_pem", idp.caPem(),
                "oidc_client_id", "kh-client", "oidc_client_secret", secret));
        call(oidc, "auth/oidc/", Operation.UPDATE, "role/dev", Map.of("user_claim", "email", "allowed_redirect_uris", "http://localhost:8250/oidc/callback",
                "verbose_oidc_logging", true));
        call(oidc, "auth/oidc/", Operation.READ, "config", Map.of());
        List<String> canaries = new ArrayList<>(List.of(secret));
        for (int i = 0; i < 3; i++) {
            if (i == 1) idp.tweakIdToken(c -> {
                Map<String, Object> m = new java.util.LinkedHashMap<>(c);
                m.put("nonce", "n_other");
                return m;
            });
            if (i == 2) {
                idp.tweakIdToken(c -> c);
                idp.oidcClient("kh-client", "kh-canary-rotated-" + UUID.randomUUID()); // the provider no longer accepts our secret
            }
            String url = (String) call(oidc, "auth/oidc/", Operation.UPDATE, "oidc/auth_url",
                    Map.of("role", "dev", "redirect_uri", "http://localhost:8250/oidc/callback", "client_nonce", "cn")).data().get("auth_url");
            var back = idp.trustingClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).headers().firstValue("Location").orElseThrow();
            String query = java.net.URI.create(back).getRawQuery();
            String code = java.net.URLDecoder.decode(query.replaceAll(".*code=([^&]*).*", "$1"), java.nio.charset.StandardCharsets.UTF_8);
            String state = java.net.URLDecoder.decode(query.replaceAll(".*state=([^&]*).*", "$1"), java.nio.charset.StandardCharsets.UTF_8);
            canaries.add(code);
            Response r = call(oidc, "auth/oidc/", Operation.READ, "oidc/callback", Map.of("state", state, "code", code, "client_nonce", "cn"));
            if (i == 0) canaries.add((String) r.auth().get("client_token"));
            else assertThat(r).isNull();
        }
        StringBuilder all = new StringBuilder();
        for (ILoggingEvent e : logs.list) all.append(e.getFormattedMessage()).append('\n');
        for (LoginAttempt a : events) all.append(a).append('\n');
        seen.forEach(x -> all.append(x).append('\n'));
        assertThat(events).hasSize(3);
        assertThat(events.get(0).success()).isTrue();
        for (String c : canaries) assertThat(all.toString()).as("a secret, code or token leaked into logs, errors or events").doesNotContain(c);
        // the client secret is kept (behind the barrier in a server); codes and tokens are not
        String stored = AuthTestStorage.everything(oidcStore) + AuthTestStorage.everything(authStorage);
        for (String c : canaries.subList(1, canaries.size())) assertThat(stored).doesNotContain(c);
    }
}
