package dev.keyhaven.core.auth.approle;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keyhaven.core.auth.DefaultAuthService;
import dev.keyhaven.core.auth.login.FailureClass;
import dev.keyhaven.core.auth.login.LoginAttempt;
import dev.keyhaven.core.auth.login.TokenIssuer;
import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AppRoleEngineTest {
    final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    final Storage mount = new MemoryStorage();
    final DefaultAuthService auth = new DefaultAuthService();
    final List<LoginAttempt> events = new CopyOnWriteArrayList<>();
    final AppRoleEngine engine;
    String remote = "127.0.0.1";

    AppRoleEngineTest() {
        auth.start(new MemoryStorage(), clock);
        engine = new AppRoleEngine(new EngineContext("auth/approle/", "auth_approle_0", "approle", Map.of(), mount, clock), TokenIssuer.of(auth), events::add);
    }

    @AfterEach
    void stop() {
        auth.stop();
    }

    Response call(Operation op, String rel, Map<String, Object> data) {
        Request r = Request.builder(op, "auth/approle/" + rel).data(data).remoteAddress(remote).build();
        r.setMount("auth/approle/", "approle", "auth_approle_0", rel);
        return engine.handle(r);
    }

    Response write(String rel, Map<String, Object> data) {
        return call(Operation.UPDATE, rel, data);
    }

    KeyhavenException error(Operation op, String rel, Map<String, Object> data) {
        try {
            call(op, rel, data);
        } catch (KeyhavenException e) {
            return e;
        }
        throw new AssertionError("expected an error");
    }

    String roleId(String role) {
        return (String) call(Operation.READ, "role/" + role + "/role-id", Map.of()).data().get("role_id");
    }

    String secretId(String role) {
        return (String) write("role/" + role + "/secret-id", Map.of()).data().get("secret_id");
    }

    Response login(String roleId, String secretId) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("role_id", roleId);
        if (secretId != null) d.put("secret_id", secretId);
        return write("login", d);
    }

    KeyhavenException loginError(String roleId, String secretId) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("role_id", roleId);
        if (secretId != null) d.put("secret_id", secretId);
        return error(Operation.UPDATE, "login", d);
    }

    @Test
    void roleDefaultsReadShapeAndDeprecatedAliases() {
        assertThat(write("role/app", Map.of("policies", "app,db", "period", "1h", "secret_id_ttl", "10m", "bound_cidr_list", "127.0.0.0/8")).status())
                .isEqualTo(204); // deprecated names are accepted silently, as Vault does
        Map<String, Object> d = call(Operation.READ, "role/app", Map.of()).data();
        assertThat(d).containsEntry("bind_secret_id", true).containsEntry("token_policies", List.of("app", "db")).containsEntry("policies", List.of("app", "db"))
                .containsEntry("token_period", 3600L).containsEntry("period", 3600L).containsEntry("secret_id_ttl", 600L).containsEntry("secret_id_num_uses", 0L)
                .containsEntry("secret_id_bound_cidrs", List.of("127.0.0.0/8")).containsEntry("local_secret_ids", false).containsEntry("token_type", "default")
                .containsKeys("token_ttl", "token_max_ttl", "token_explicit_max_ttl", "token_no_default_policy", "token_num_uses", "token_bound_cidrs");
        assertThat(roleId("app")).matches("[0-9a-f-]{36}");
        assertThat(call(Operation.LIST, "role", Map.of()).data().get("keys")).isEqualTo(List.of("app"));
        assertThat(error(Operation.READ, "role/none", Map.of()).code().httpStatus()).isEqualTo(404);
        assertThat(error(Operation.READ, "role/none/role-id", Map.of()).code().httpStatus()).isEqualTo(404);
    }

    @Test
    void perFieldRoleEndpointsReadWriteAndResetOneField() {
        assertThat(write("role/svc", Map.of("token_policies", "app", "token_ttl", "20m", "secret_id_num_uses", 5)).status()).isEqualTo(204);
        assertThat(call(Operation.READ, "role/svc/token-ttl", Map.of()).data()).isEqualTo(Map.of("token_ttl", 1200L));
        assertThat(call(Operation.READ, "role/svc/policies", Map.of()).data()).isEqualTo(Map.of("policies", List.of("app"), "token_policies", List.of("app")));

        assertThat(write("role/svc/token-ttl", Map.of("token_ttl", "5m")).status()).isEqualTo(204);
        assertThat(write("role/svc/policies", Map.of("policies", "app,ops")).status()).isEqualTo(204); // the deprecated name
        assertThat(write("role/svc/period", Map.of("token_period", "1h")).status()).isEqualTo(204);
        assertThat(write("role/svc/token-bound-cidrs", Map.of("token_bound_cidrs", "127.0.0.1/32")).status()).isEqualTo(204);
        Map<String, Object> d = call(Operation.READ, "role/svc", Map.of()).data();
        assertThat(d).containsEntry("token_ttl", 300L).containsEntry("token_policies", List.of("app", "ops")).containsEntry("token_period", 3600L)
                .containsEntry("token_bound_cidrs", List.of("127.0.0.1/32")).containsEntry("secret_id_num_uses", 5L); // the others untouched
        assertThat(call(Operation.READ, "role/svc/period", Map.of()).data()).isEqualTo(Map.of("period", 3600L, "token_period", 3600L));

        // DELETE puts the default back
        call(Operation.DELETE, "role/svc/secret-id-num-uses", Map.of());
        call(Operation.DELETE, "role/svc/token-bound-cidrs", Map.of());
        assertThat(call(Operation.READ, "role/svc", Map.of()).data()).containsEntry("secret_id_num_uses", 0L).containsEntry("token_bound_cidrs", List.of());

        // errors: nothing written
        Map<String, Object> before = call(Operation.READ, "role/svc", Map.of()).data();
        assertThat(error(Operation.UPDATE, "role/svc/token-ttl", Map.of()).getMessage()).contains("missing token_ttl");
        assertThat(error(Operation.UPDATE, "role/svc/token-ttl", Map.of("token_ttl", "5m", "token_max_ttl", "1m")).getMessage())
                .contains("unexpected field \"token_max_ttl\"");
        assertThat(error(Operation.UPDATE, "role/svc/token-ttl", Map.of("token_ttl", "soon")).code().httpStatus()).isEqualTo(400);
        assertThat(error(Operation.UPDATE, "role/svc/token-max-ttl", Map.of("token_max_ttl", "1m")).getMessage())
                .contains("token_ttl should not be greater than token_max_ttl");
        assertThat(error(Operation.UPDATE, "role/svc/bind-secret-id", Map.of("bind_secret_id", false)).getMessage())
                .contains("at least one constraint should be enabled on the role");
        assertThat(error(Operation.UPDATE, "role/svc/local-secret-ids", Map.of("local_secret_ids", true)).code().httpStatus()).isEqualTo(405);
        assertThat(call(Operation.READ, "role/svc", Map.of()).data()).isEqualTo(before);

        // a role that does not exist is not created by a per-field write
        assertThat(error(Operation.UPDATE, "role/ghost/token-ttl", Map.of("token_ttl", "5m")).code().httpStatus()).isEqualTo(404);
        assertThat(error(Operation.READ, "role/ghost/token-ttl", Map.of()).code().httpStatus()).isEqualTo(404);
        assertThat(error(Operation.READ, "role/ghost", Map.of()).code().httpStatus()).isEqualTo(404);
    }

    @Test
    void roleWriteErrorsUseVaultsWording() {
        assertThat(error(Operation.UPDATE, "role/r", Map.of("bind_secret_id", false)).errors()).containsExactly("at least one constraint should be enabled on the role");
        assertThat(error(Operation.UPDATE, "role/r", Map.of("token_ttl", "2h", "token_max_ttl", "1h")).errors())
                .containsExactly("token_ttl should not be greater than token_max_ttl");
        assertThat(error(Operation.UPDATE, "role/r", Map.of("secret_id_num_uses", -1)).errors()).containsExactly("secret_id_num_uses cannot be negative");
        assertThat(error(Operation.UPDATE, "role/r", Map.of("token_bound_cidrs", "not-a-cidr")).errors().get(0)).startsWith("invalid CIDR block in 'token_bound_cidrs'");
        assertThat(error(Operation.UPDATE, "role/r", Map.of("token_type", "batch")).code().httpStatus()).isEqualTo(400);
        assertThat(mount.list("role/")).isEmpty();
        write("role/a", Map.of("role_id", "custom-id-a"));
        assertThat(error(Operation.UPDATE, "role/b", Map.of("role_id", "custom-id-a")).errors()).containsExactly("role_id already in use");
        assertThat(error(Operation.UPDATE, "role/a/secret-id", Map.of("num_uses", -1)).errors()).containsExactly("num_uses cannot be negative");
        assertThat(error(Operation.UPDATE, "role/nope/secret-id", Map.of()).errors()).containsExactly("role \"nope\" does not exist");
        write("role/nobind", Map.of("bind_secret_id", false, "secret_id_bound_cidrs", "127.0.0.1/32"));
        assertThat(error(Operation.UPDATE, "role/nobind/secret-id", Map.of()).errors()).containsExactly("bind_secret_id is not set on the role");
    }

    @Test
    void loginIssuesVaultsAuthBlockWithRoleNameMetadataAndTokenFields() {
        write("role/app", Map.of("token_policies", "app", "token_ttl", "20m", "token_max_ttl", "30m", "token_num_uses", 10));
        Response sid = write("role/app/secret-id", Map.of("metadata", "{\"team\":\"payments\"}"));
        assertThat(sid.data()).containsOnlyKeys("secret_id", "secret_id_accessor", "secret_id_num_uses", "secret_id_ttl");
        Response r = login(roleId("app"), (String) sid.data().get("secret_id"));
        Map<String, Object> a = r.auth();
        assertThat(a.get("policies")).isEqualTo(List.of("app", "default"));
        assertThat(a.get("lease_duration")).isEqualTo(1200L);
        assertThat(a.get("num_uses")).isEqualTo(10L);
        assertThat(a.get("metadata")).isEqualTo(Map.of("role_name", "app", "team", "payments"));
        TokenEntry te = auth.tokenStore().lookup((String) a.get("client_token")).orElseThrow();
        assertThat(te.path()).isEqualTo("auth/approle/login");
        assertThat(te.displayName()).isEqualTo("approle");
        assertThat(te.entityAlias()).isEqualTo(roleId("app"));
        assertThat(events.get(events.size() - 1).success()).isTrue();
        assertThat(events.get(events.size() - 1).claims()).containsEntry("secret_id_accessor", (String) sid.data().get("secret_id_accessor"));
    }

    @Test
    void loginErrorsUseVaultsWordingAndClasses() {
        write("role/app", Map.of());
        String rid = roleId("app");
        assertThat(loginError("", "x").errors()).containsExactly("missing role_id");
        assertThat(loginError("not-a-role-id", "x").errors()).containsExactly("invalid role or secret ID");
        assertThat(loginError(rid, null).errors()).containsExactly("missing secret_id");
        assertThat(loginError(rid, "wrong-secret").errors()).containsExactly("invalid role or secret ID");
        assertThat(events).extracting(e -> e.failureClass().orElseThrow()).containsExactly(FailureClass.MISSING_INPUT, FailureClass.ROLE,
                FailureClass.MISSING_INPUT, FailureClass.CREDENTIALS);
        assertThat(events.get(3).role()).isEqualTo("app");
        assertThat(loginError(rid, "wrong-secret").code().httpStatus()).isEqualTo(400);
    }

    @Test
    void secretIdUseLimitTtlAndDestroy() {
        write("role/app", Map.of("secret_id_num_uses", 2, "secret_id_ttl", "10m"));
        String rid = roleId("app");
        String s = secretId("app");
        login(rid, s);
        assertThat(write("role/app/secret-id/lookup", Map.of("secret_id", s)).data()).containsEntry("secret_id_num_uses", 1L);
        login(rid, s);
        assertThat(loginError(rid, s).errors()).containsExactly("invalid role or secret ID");
        assertThat(write("role/app/secret-id/lookup", Map.of("secret_id", s)).status()).isEqualTo(204);
        String t = secretId("app");
        clock.advance(Duration.ofMinutes(10));
        assertThat(loginError(rid, t).errors()).containsExactly("invalid role or secret ID");
        String u = secretId("app");
        write("role/app/secret-id/destroy", Map.of("secret_id", u));
        assertThat(loginError(rid, u).errors()).containsExactly("invalid role or secret ID");
        assertThat(error(Operation.UPDATE, "role/app/secret-id", Map.of("num_uses", 3)).errors())
                .containsExactly("num_uses cannot be higher than the role's secret_id_num_uses");
        assertThat(error(Operation.UPDATE, "role/app/secret-id", Map.of("ttl", "1h")).errors()).containsExactly("ttl cannot be longer than the role's secret_id_ttl");
    }

    @Test
    @SuppressWarnings("unchecked")
    void accessorsListLookupAndDestroy() {
        write("role/app", Map.of());
        assertThat(error(Operation.LIST, "role/app/secret-id", Map.of()).code().httpStatus()).isEqualTo(404);
        Response a = write("role/app/secret-id", Map.of("cidr_list", "127.0.0.1/32", "token_bound_cidrs", List.of("127.0.0.1")));
        Response b = write("role/app/custom-secret-id", Map.of("secret_id", "kh-test-custom-" + java.util.UUID.randomUUID()));
        List<Object> keys = (List<Object>) call(Operation.LIST, "role/app/secret-id", Map.of()).data().get("keys");
        assertThat(keys).containsExactlyInAnyOrder(a.data().get("secret_id_accessor"), b.data().get("secret_id_accessor"));
        Map<String, Object> look = write("role/app/secret-id-accessor/lookup", Map.of("secret_id_accessor", a.data().get("secret_id_accessor"))).data();
        assertThat(look).containsEntry("cidr_list", List.of("127.0.0.1/32")).containsEntry("token_bound_cidrs", List.of("127.0.0.1"))
                .containsEntry("expiration_time", "0001-01-01T00:00:00Z").containsEntry("creation_time", "2030-01-01T00:00:00Z").containsKey("last_updated_time")
                .doesNotContainKey("secret_id");
        write("role/app/secret-id-accessor/destroy", Map.of("secret_id_accessor", a.data().get("secret_id_accessor")));
        KeyhavenException e = error(Operation.UPDATE, "role/app/secret-id-accessor/lookup", Map.of("secret_id_accessor", a.data().get("secret_id_accessor")));
        assertThat(e.code().httpStatus()).isEqualTo(404);
        assertThat(e.errors().get(0)).startsWith("failed to find accessor entry for secret_id_accessor: ");
        assertThat(loginError(roleId("app"), (String) a.data().get("secret_id")).errors()).containsExactly("invalid role or secret ID");
        assertThat(login(roleId("app"), (String) b.data().get("secret_id")).auth()).containsKey("client_token");
        assertThat(error(Operation.UPDATE, "role/app/custom-secret-id", Map.of("secret_id", b.data().get("secret_id"))).errors())
                .containsExactly("SecretID is already registered");
    }

    @Test
    void cidrRestrictionsOnSecretIdRoleAndToken() {
        write("role/app", Map.of("secret_id_bound_cidrs", "10.0.0.0/8"));
        String rid = roleId("app");
        String s = secretId("app");
        remote = "192.168.1.5";
        assertThat(loginError(rid, s).errors()).containsExactly("source address \"192.168.1.5\" unauthorized by CIDR restrictions on the role");
        remote = "10.1.2.3";
        assertThat(login(rid, s).auth()).containsKey("client_token");
        String narrow = (String) write("role/app/secret-id", Map.of("cidr_list", "10.9.0.0/16")).data().get("secret_id");
        assertThat(loginError(rid, narrow).errors()).containsExactly("source address \"10.1.2.3\" unauthorized through CIDR restrictions on the secret ID");
        assertThat(error(Operation.UPDATE, "role/app/secret-id", Map.of("cidr_list", "192.168.0.0/16")).errors().get(0))
                .contains("must be a subset of the role's secret_id_bound_cidrs");
        write("role/tok", Map.of("token_bound_cidrs", "10.0.0.0/24"));
        KeyhavenException e = loginError(roleId("tok"), secretId("tok"));
        assertThat(e.code().httpStatus()).isEqualTo(403);
        assertThat(e.errors()).containsExactly("permission denied");
        // Without a secret ID: role_id + CIDR binding only.
        write("role/pull", Map.of("bind_secret_id", false, "secret_id_bound_cidrs", "10.0.0.0/8"));
        assertThat(login(roleId("pull"), null).auth().get("metadata")).isEqualTo(Map.of("role_name", "pull"));
    }

    @Test
    void customRoleIdAndRoleDeletionCascade() {
        write("role/app", Map.of());
        write("role/app/role-id", Map.of("role_id", "kh-test-role-id"));
        assertThat(roleId("app")).isEqualTo("kh-test-role-id");
        String s = secretId("app");
        assertThat(login("kh-test-role-id", s).auth()).containsKey("client_token");
        call(Operation.DELETE, "role/app", Map.of());
        assertThat(loginError("kh-test-role-id", s).errors()).containsExactly("invalid role or secret ID");
        assertThat(mount.list("")).containsOnly("hmac_key");
    }

    @Test
    void tidyRemovesExpiredSecretIds() {
        write("role/app", Map.of("secret_id_ttl", "1m"));
        secretId("app");
        secretId("app");
        clock.advance(Duration.ofMinutes(2));
        Response r = write("tidy/secret-id", Map.of());
        assertThat(r.status()).isEqualTo(202);
        assertThat(mount.list("secret_id/app/")).isEmpty();
        assertThat(mount.list("accessor/app/")).isEmpty();
    }

    @Test
    void concurrentLoginsNeverExceedTheSecretIdUseLimit() throws Exception {
        write("role/app", Map.of("secret_id_num_uses", 5));
        String rid = roleId("app");
        String s = secretId("app");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            results.add(pool.submit(() -> {
                go.await();
                try {
                    login(rid, s);
                    return true;
                } catch (KeyhavenException e) {
                    return false;
                }
            }));
        }
        go.countDown();
        int ok = 0;
        for (Future<Boolean> f : results) if (f.get()) ok++;
        pool.shutdown();
        assertThat(ok).isEqualTo(5);
    }
}
