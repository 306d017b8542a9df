package dev.keyhaven.client.vault;

import dev.keyhaven.client.AccessDeniedException;
import dev.keyhaven.client.Canary;
import dev.keyhaven.client.SealedException;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SecretNotFoundException;
import dev.keyhaven.client.SecretsManager;
import dev.keyhaven.client.SourceUnavailableException;
import dev.keyhaven.client.Versioned;
import dev.keyhaven.client.internal.Json;
import dev.keyhaven.client.redact.Redactor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SDK against a real running Keyhaven server (KV v2 at secret/, X-Vault-Token, Vault's envelope): no mocks.
 * Each test uses its own secret paths, so one server serves the class; the sealing test runs last on its own
 * server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyhavenServerBackedTest {

    private KeyhavenDevServer server;
    private final Redactor redactor = Redactor.create();

    @BeforeAll
    void start() throws Exception {
        server = KeyhavenDevServer.start();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String unique(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private VaultKvSource.Builder kv() {
        return VaultKvSource.builder().name("keyhaven").address(server.address())
                .token(Secret.of(server.rootToken())).environment(Map.of()).redactor(redactor);
    }

    private SecretsManager manager(VaultKvSource source) {
        return SecretsManager.builder().environment(Map.of()).redactor(redactor)
                .source(dev.keyhaven.client.sources.EnvironmentSource.of(Map.of())).source(source).build();
    }

    @Test
    void everyKeyOfAPathBecomesANameAndExplainNamesTheServerPath() throws Exception {
        String path = unique("app/prod");
        String db = Canary.value("db");
        String api = Canary.value("api");
        server.writeKv(path, Map.of("DB_PASSWORD", db, "API_KEY", api, "PORT", 5432L));
        try (SecretsManager m = manager(kv().path(path).build())) {
            assertThat(m.get("DB_PASSWORD").reveal()).isEqualTo(db);
            assertThat(m.get("API_KEY").reveal()).isEqualTo(api);
            assertThat(m.get("PORT").reveal()).isEqualTo("5432");
            String explain = m.explain("DB_PASSWORD");
            assertThat(explain).startsWith("DB_PASSWORD: found in keyhaven (secret/" + path + "#DB_PASSWORD (version 1))")
                    .contains("environment  not set").doesNotContain(db);
            assertThat(redactor.redact("pw=" + db)).isEqualTo("pw=****");
        }
    }

    @Test
    void explicitMappingReadsOneKeyOfOneSecret() throws Exception {
        String path = unique("shared/db");
        String v = Canary.value("mapped");
        server.writeKv(path, Map.of("password", v));
        try (SecretsManager m = manager(kv().map("DATABASE_PASSWORD", path + "#password").build())) {
            assertThat(m.get("DATABASE_PASSWORD").reveal()).isEqualTo(v);
            assertThat(m.find("password")).isEmpty();
        }
    }

    @Test
    void aMissingPathOrKeyLetsTheChainContinueAndNotFoundListsTheServer() {
        try (SecretsManager m = manager(kv().path(unique("absent")).build())) {
            assertThatThrownBy(() -> m.get("NOPE"))
                    .isInstanceOf(SecretNotFoundException.class)
                    .hasMessage("secret 'NOPE' not found; tried environment, keyhaven");
        }
    }

    @Test
    void currentAndPreviousFollowKvV2VersionsSkippingDeletedOnes() throws Exception {
        String path = unique("rotating");
        String v1 = Canary.value("v1");
        String v2 = Canary.value("v2");
        String v3 = Canary.value("v3");
        server.writeKv(path, Map.of("SIGNING_KEY", v1));
        server.writeKv(path, Map.of("SIGNING_KEY", v2));
        try (SecretsManager m = SecretsManager.builder().redactor(redactor).cacheTtl(Duration.ZERO)
                .source(kv().path(path).cacheTtl(Duration.ZERO).build()).build()) {
            Versioned cur = m.current("SIGNING_KEY");
            assertThat(cur.secret().reveal()).isEqualTo(v2);
            assertThat(cur.version()).hasValue(2);
            assertThat(m.previous("SIGNING_KEY")).get().satisfies(p -> {
                assertThat(p.secret().reveal()).isEqualTo(v1);
                assertThat(p.version()).hasValue(1);
            });
            assertThat(m.matchesCurrentOrPrevious("SIGNING_KEY", v1.toCharArray())).isTrue();
            assertThat(m.matchesCurrentOrPrevious("SIGNING_KEY", v3.toCharArray())).isFalse();

            server.writeKv(path, Map.of("SIGNING_KEY", v3));
            server.call("POST", "secret/delete/" + path, Map.of("versions", List.of(2L)));
            assertThat(m.current("SIGNING_KEY").secret().reveal()).isEqualTo(v3);
            assertThat(m.previous("SIGNING_KEY")).get().extracting(p -> p.secret().reveal()).isEqualTo(v1);

            server.call("POST", "secret/destroy/" + path, Map.of("versions", List.of(1L)));
            assertThat(m.previous("SIGNING_KEY")).isEmpty();
        }
    }

    @Test
    void cachedValuesAreServedUntilTheTtlAndRefreshReadsTheNewVersion() throws Exception {
        String path = unique("cached");
        String a = Canary.value("a");
        String b = Canary.value("b");
        server.writeKv(path, Map.of("K", a));
        try (SecretsManager m = manager(kv().path(path).build())) {
            assertThat(m.get("K").reveal()).isEqualTo(a);
            server.writeKv(path, Map.of("K", b));
            assertThat(m.get("K").reveal()).as("cached").isEqualTo(a);
            m.refresh();
            assertThat(m.get("K").reveal()).isEqualTo(b);
        }
    }

    @Test
    void aKvVersion1MountIsRejectedWithAClearMessage() throws Exception {
        String mount = unique("kvone");
        server.call("POST", "sys/mounts/" + mount, Map.of("type", "kv", "options", Map.of("version", "1")));
        server.call("POST", mount + "/data/app", Map.of("data", Map.of("K", Canary.value("v1"))));
        try (VaultKvSource src = kv().mount(mount).path("app").build()) {
            assertThatThrownBy(() -> src.lookup("K"))
                    .isInstanceOf(dev.keyhaven.client.SourceException.class)
                    .hasMessageContaining("is not KV version 2 data")
                    .hasMessageContaining("is " + mount + "/ a KV v1 mount?");
        }
    }

    @Test
    void aLeastPrivilegeTokenReadsItsPathButPreviousNeedsMetadataAndOtherPathsAreDenied() throws Exception {
        String path = unique("lp");
        String other = unique("lp-other");
        String policy = unique("sdk-read");
        server.writeKv(path, Map.of("K", Canary.value("lp1")));
        server.writeKv(path, Map.of("K", Canary.value("lp2")));
        server.writeKv(other, Map.of("O", Canary.value("o")));
        server.call("PUT", "sys/policies/acl/" + policy,
                Map.of("policy", "path \"secret/data/" + path + "\" { capabilities = [\"read\"] }"));
        Map<String, Object> created = server.call("POST", "auth/token/create", Map.of("policies", List.of(policy), "ttl", "1h"));
        String token = Json.string(Json.object(created, "auth"), "client_token");
        try (SecretsManager m = manager(VaultKvSource.builder().name("keyhaven").address(server.address())
                .token(Secret.of(token)).path(path).path(other).environment(Map.of()).redactor(redactor).build())) {
            assertThat(m.current("K").version()).hasValue(2);
            assertThatThrownBy(() -> m.previous("K"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("permission denied while reading secret/metadata/" + path)
                    .hasMessageNotContaining(token);
            assertThatThrownBy(() -> m.get("O"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("reading secret/data/" + other);
        }
    }

    @Test
    void aWrongTokenIsAccessDeniedNamingSourceAndPathButNotTheToken() throws Exception {
        String path = unique("guarded");
        server.writeKv(path, Map.of("K", Canary.value("g")));
        String bogus = "hvs." + Canary.chars("abcdefghijklmnopqrstuvwxyz0123456789", 24);
        try (VaultKvSource src = VaultKvSource.builder().name("keyhaven").address(server.address())
                .token(Secret.of(bogus)).path(path).renewToken(false).environment(Map.of()).redactor(redactor).build()) {
            assertThatThrownBy(() -> src.lookup("K"))
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("[keyhaven] permission denied while reading secret/data/" + path)
                    .hasMessageContaining("HTTP 403")
                    .hasMessageNotContaining(bogus);
        }
    }

    @Test
    void aRenewableTokenIsRenewedAgainstTheServer() throws Exception {
        Map<String, Object> created = server.call("POST", "auth/token/create",
                Map.of("ttl", "1h", "renewable", true, "policies", List.of("root")));
        String token = Json.string(Json.object(created, "auth"), "client_token");
        String path = unique("renew");
        server.writeKv(path, Map.of("K", Canary.value("r")));
        try (VaultKvSource src = VaultKvSource.builder().name("keyhaven").address(server.address())
                .token(Secret.of(token)).path(path).environment(Map.of()).redactor(redactor).build()) {
            assertThat(src.lookup("K")).isPresent();
            // lookup-self told the SDK the TTL: renewal is scheduled at about 2/3 of an hour
            assertThat(src.tokenManager().scheduledDelaySeconds()).isBetween(2000L, 2400L);
            src.tokenManager().tick(); // what the daemon thread runs, called directly instead of waiting
            assertThat(src.tokenManager().scheduledDelaySeconds()).isBetween(2000L, 2400L);
            assertThat(src.lookup("K")).isPresent();
            assertThat(redactor.redact("t=" + token)).isEqualTo("t=****");
        }
    }

    @Test
    void aStoppedServerIsSourceUnavailable() throws Exception {
        KeyhavenDevServer other = KeyhavenDevServer.start();
        VaultKvSource src = VaultKvSource.builder().name("keyhaven").address(other.address())
                .token(Secret.of(other.rootToken())).path("x").timeout(Duration.ofSeconds(5))
                .environment(Map.of()).redactor(redactor).build();
        other.close();
        try (src) {
            assertThatThrownBy(() -> src.lookup("K"))
                    .isInstanceOf(SourceUnavailableException.class)
                    .hasMessageStartingWith("[keyhaven] cannot reach " + other.address());
        }
    }

    @Test
    void aSealedServerIsSealedException() throws Exception {
        KeyhavenDevServer other = KeyhavenDevServer.start();
        try (other; VaultKvSource src = VaultKvSource.builder().name("keyhaven").address(other.address())
                .token(Secret.of(other.rootToken())).path("x").renewToken(false)
                .environment(Map.of()).redactor(redactor).build()) {
            other.call("PUT", "sys/seal", null);
            assertThatThrownBy(() -> src.lookup("K"))
                    .isInstanceOf(SealedException.class)
                    .hasMessageContaining("[keyhaven] server " + other.address() + " is sealed (HTTP 503)")
                    .hasMessageNotContaining(other.rootToken());
        }
    }
}
