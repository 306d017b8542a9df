package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.rotation.rotators.RespTestAccess;
import dev.keyhaven.core.rotation.servers.RedisServer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The redis rotator against a real redis-server 6.2 (ACL users with several passwords), started once per class. */
class RedisRotatorTest {
    private static RedisServer redis;
    private static String rotatorPassword;

    @BeforeAll
    static void startServer() throws Exception {
        redis = RedisServer.start(); // fails the class loudly if the server cannot start
        rotatorPassword = RandomValues.hex(new SecureRandom(), 16);
        // a least-privilege admin for the rotator
        redis.admin("ACL", "SETUSER", "rotator", "on", ">" + rotatorPassword, "+@connection", "+acl|setuser", "+acl|getuser", "+client|kill");
    }

    @AfterAll
    static void stopServer() {
        if (redis != null) redis.close();
    }

    private final RotationKit kit = new RotationKit();

    private void login(SecretData cred) throws Exception {
        RespTestAccess.authAndCall(redis.port(), cred.require("username"), cred.require("password"), "SET", "k", "v");
    }

    private String createUser(String user) throws Exception {
        String pw = RandomValues.hex(new SecureRandom(), 16);
        redis.admin("ACL", "SETUSER", user, "on", ">" + pw, "~*", "+@all");
        return pw;
    }

    private void policy(String name, String path, String user) {
        kit.kvWrite("secret/rotation/redis-admin", map("username", "rotator", "password", rotatorPassword));
        kit.sys(Operation.UPDATE, "policy/" + name, map("path", path, "category", "cache", "address", redis.address(),
                "admin_path", "secret/rotation/redis-admin", "username", user));
    }

    @Test
    void bothPasswordsWorkDuringOverlapWithZeroFailedLoginsThenOldIsRemoved() throws Exception {
        String old = createUser("cache_app");
        kit.kvWrite("secret/app/cache", map("username", "cache_app", "password", old));
        policy("cache", "secret/app/cache", "cache_app");

        try (LoginLoad load = new LoginLoad(() -> kit.current("secret/app/cache"), () -> kit.previous("secret/app/cache"), this::login)) {
            load.awaitMoreLogins("", 20);
            kit.service.rotateNow("secret/app/cache", "scheduled", false);
            load.awaitMoreLogins("", 20);
            login(kit.previous("secret/app/cache").orElseThrow()); // old still works in the overlap
            login(kit.current("secret/app/cache").orElseThrow());
            kit.clock.advance(Duration.ofHours(24));
            kit.engine.scheduler().runDue(kit.clock.instant());
            load.awaitMoreLogins("", 20);
            load.close();
            assertThat(load.failures.get()).as("failed logins (first: %s)", load.firstFailure.get()).isZero();
        }
        assertThatThrownBy(() -> RespTestAccess.authAndCall(redis.port(), "cache_app", old)).hasMessageContaining("WRONGPASS");
        SecretData now = kit.current("secret/app/cache").orElseThrow();
        login(now);
        // only one password hash remains, and it is not the plaintext
        List<?> info = (List<?>) redis.admin("ACL", "GETUSER", "cache_app");
        List<?> passwords = (List<?>) info.get(info.indexOf("passwords") + 1);
        assertThat(passwords).hasSize(1);
        assertThat(passwords.toString()).doesNotContain(now.require("password"));
        assertThat(kit.events.toString() + kit.nonValueStorageText()).doesNotContain(old).doesNotContain(now.require("password")).doesNotContain(rotatorPassword);
    }

    @Test
    void retiringTwiceIsHarmlessAndEmergencyDisconnectsClients() throws Exception {
        String old = createUser("cache_em");
        kit.kvWrite("secret/app/cache-em", map("username", "cache_em", "password", old));
        policy("cache-em", "secret/app/cache-em", "cache_em");
        try (AutoCloseable conn = RespTestAccess.open(redis.port(), "cache_em", old)) {
            kit.sys(Operation.UPDATE, "rotate/secret/app/cache-em", map("revoke_previous", true));
            assertThatThrownBy(() -> RespTestAccess.call(conn, "PING")).isInstanceOf(java.io.IOException.class);
        }
        assertThatThrownBy(() -> RespTestAccess.authAndCall(redis.port(), "cache_em", old)).hasMessageContaining("WRONGPASS");
        login(kit.current("secret/app/cache-em").orElseThrow());
        // the rotator's retire is idempotent: running it again for an already removed password is a no-op
        new dev.keyhaven.core.rotation.rotators.RedisRotator().retire(kit.service.context("secret/app/cache-em",
                kit.service.policy("cache-em").orElseThrow(), kit.current("secret/app/cache-em"), "scheduled"),
                SecretData.of("username", "cache_em", "password", old));
        login(kit.current("secret/app/cache-em").orElseThrow());
    }

    @Test
    void wrongAdminPasswordIsAClearErrorAndNothingChanges() throws Exception {
        String old = createUser("cache_bad");
        kit.kvWrite("secret/app/cache-bad", map("username", "cache_bad", "password", old));
        policy("cache-bad", "secret/app/cache-bad", "cache_bad");
        String wrong = "wrong-" + RandomValues.hex(new SecureRandom(), 8);
        kit.kvWrite("secret/rotation/redis-admin", map("username", "rotator", "password", wrong));
        assertThatThrownBy(() -> kit.service.rotateNow("secret/app/cache-bad", "manual", false)).isInstanceOf(KeyhavenException.class)
                .hasMessageContaining("server error WRONGPASS").hasMessageNotContaining(wrong);
        login(kit.current("secret/app/cache-bad").orElseThrow());
        assertThat(kit.record("secret/app/cache-bad").inflight()).isNull();
    }

    @Test
    void settingsAreValidated() {
        kit.kvWrite("secret/rotation/redis-admin", map("username", "rotator", "password", rotatorPassword));
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/r", map("path", "secret/x", "category", "cache",
                "address", "nohostport", "admin_path", "a/b", "username", "u")), "host:port");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/r", map("path", "secret/x", "category", "cache",
                "address", "h:1", "admin_path", "a/b")), "setting 'username' is required");
    }
}
