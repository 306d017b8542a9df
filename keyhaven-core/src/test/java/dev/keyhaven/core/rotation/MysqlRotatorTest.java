package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.rotation.rotators.SqlTestAccess;
import dev.keyhaven.core.rotation.servers.MariaDbServer;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mysql rotator against a real MariaDB 10.11 (started once per class) with the MariaDB JDBC driver. */
class MysqlRotatorTest {
    private static MariaDbServer db;
    private static String adminPassword;

    @BeforeAll
    static void startServer() throws SQLException {
        db = MariaDbServer.start(); // fails the class loudly if the server cannot start
        adminPassword = RandomValues.hex(new SecureRandom(), 16);
        try (Connection c = db.admin(); Statement st = c.createStatement()) {
            st.execute("CREATE USER 'rotator'@'%' IDENTIFIED BY '" + adminPassword + "'");
            st.execute("GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO 'rotator'@'%'");
        }
    }

    @AfterAll
    static void stopServer() {
        if (db != null) db.close();
    }

    private final RotationKit kit = new RotationKit();

    private String createUser(String user) throws SQLException {
        String pw = RandomValues.hex(new SecureRandom(), 16);
        try (Connection c = db.admin(); Statement st = c.createStatement()) {
            st.execute("CREATE USER " + SqlTestAccess.mysqlLiteral(user) + "@'%' IDENTIFIED BY '" + pw + "'");
        }
        return pw;
    }

    private void login(SecretData cred) throws SQLException {
        try (Connection c = db.login(cred.require("username"), cred.require("password")); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
    }

    private void policy(String name, String path, Object... extra) {
        kit.kvWrite("secret/rotation/mysql-admin", map("username", "rotator", "password", adminPassword));
        Map<String, Object> m = map("path", path, "category", "database", "rotator", "mysql",
                "connection_url", db.jdbcUrl(), "admin_path", "secret/rotation/mysql-admin");
        for (int i = 0; i < extra.length; i += 2) m.put((String) extra[i], extra[i + 1]);
        kit.sys(Operation.UPDATE, "policy/" + name, m);
    }

    @Test
    void alternatingUsersUnderClientLoadHaveZeroFailedLoginsAndOldPasswordFailsAfterOverlap() throws Exception {
        String old = createUser("my_a");
        createUser("my_b");
        kit.kvWrite("secret/app/mysql", map("username", "my_a", "password", old));
        policy("mysql", "secret/app/mysql", "usernames", "my_a,my_b");
        try (LoginLoad load = new LoginLoad(() -> kit.current("secret/app/mysql"), () -> kit.previous("secret/app/mysql"), this::login)) {
            load.awaitMoreLogins("my_a", 10);
            kit.service.rotateNow("secret/app/mysql", "scheduled", false);
            load.awaitMoreLogins("my_b", 10);
            login(kit.previous("secret/app/mysql").orElseThrow());
            kit.clock.advance(Duration.ofHours(24));
            kit.engine.scheduler().runDue(kit.clock.instant());
            load.awaitMoreLogins("my_b", 10);
            load.close();
            assertThat(load.failures.get()).as("failed logins (first: %s)", load.firstFailure.get()).isZero();
        }
        assertThatThrownBy(() -> db.login("my_a", old)).isInstanceOf(SQLException.class);
        SecretData now = kit.current("secret/app/mysql").orElseThrow();
        assertThat(now.require("username")).isEqualTo("my_b");
        login(now);
        kit.service.rotateNow("secret/app/mysql", "manual", false);
        assertThat(kit.current("secret/app/mysql").orElseThrow().require("username")).isEqualTo("my_a");
        login(kit.current("secret/app/mysql").orElseThrow());
        assertThat(kit.events.toString() + kit.nonValueStorageText()).doesNotContain(old).doesNotContain(now.require("password")).doesNotContain(adminPassword);
    }

    @Test
    void emergencyRevokeKillsOldConnections() throws Exception {
        String old = createUser("my_em_a");
        createUser("my_em_b");
        kit.kvWrite("secret/app/mysql-em", map("username", "my_em_a", "password", old));
        policy("mysql-em", "secret/app/mysql-em", "usernames", "my_em_a,my_em_b");
        try (Connection open = db.login("my_em_a", old)) {
            kit.sys(Operation.UPDATE, "rotate/secret/app/mysql-em", map("revoke_previous", true));
            assertThatThrownBy(() -> {
                try (Statement st = open.createStatement()) {
                    st.execute("SELECT 1");
                }
            }).isInstanceOf(SQLException.class);
        }
        assertThatThrownBy(() -> db.login("my_em_a", old)).isInstanceOf(SQLException.class);
        login(kit.current("secret/app/mysql-em").orElseThrow());
    }

    @Test
    void wrongAdminPasswordFailsClearlyAndKeepsTheCurrentCredential() throws Exception {
        String old = createUser("my_bad_a");
        createUser("my_bad_b");
        kit.kvWrite("secret/app/mysql-bad", map("username", "my_bad_a", "password", old));
        policy("mysql-bad", "secret/app/mysql-bad", "usernames", "my_bad_a,my_bad_b");
        String wrong = "wrong-" + RandomValues.hex(new SecureRandom(), 8);
        kit.kvWrite("secret/rotation/mysql-admin", map("username", "rotator", "password", wrong));
        assertThatThrownBy(() -> kit.service.rotateNow("secret/app/mysql-bad", "manual", false)).isInstanceOf(KeyhavenException.class)
                .hasMessageContaining("admin login as 'rotator' failed").hasMessageNotContaining(wrong);
        login(kit.current("secret/app/mysql-bad").orElseThrow());
    }
}
