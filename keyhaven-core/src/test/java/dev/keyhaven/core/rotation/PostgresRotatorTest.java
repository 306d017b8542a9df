package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.rotation.servers.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The postgresql rotator against a real PostgreSQL 16 with SCRAM password authentication (started once per class). */
class PostgresRotatorTest {
    private static PostgresServer pg;
    private static String adminPassword;

    @BeforeAll
    static void startServer() throws SQLException {
        pg = PostgresServer.start(); // throws (fails the class) if the server cannot start: never a silent skip
        adminPassword = RandomValues.hex(new java.security.SecureRandom(), 16);
        try (Connection c = pg.superuser(); Statement st = c.createStatement()) {
            // a least-privilege rotator: CREATEROLE, and (PostgreSQL 16) admin of the roles it created
            st.execute("CREATE ROLE rotator LOGIN CREATEROLE PASSWORD '" + adminPassword + "'");
            st.execute("GRANT pg_signal_backend TO rotator"); // for ending sessions in emergency rotations
        }
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) pg.close();
    }

    private final RotationKit kit = new RotationKit();

    private void createRoles(String... roles) throws SQLException {
        try (Connection c = pg.login("rotator", adminPassword); Statement st = c.createStatement()) {
            for (String r : roles) st.execute("CREATE ROLE " + dev.keyhaven.core.rotation.rotators.SqlTestAccess.pgIdent(r) + " LOGIN");
        }
    }

    private String setPassword(String role) throws SQLException {
        String pw = RandomValues.hex(new java.security.SecureRandom(), 16);
        try (Connection c = pg.login("rotator", adminPassword); Statement st = c.createStatement()) {
            st.execute("ALTER ROLE " + dev.keyhaven.core.rotation.rotators.SqlTestAccess.pgIdent(role) + " PASSWORD '" + pw + "'");
        }
        return pw;
    }

    private void login(SecretData cred) throws SQLException {
        try (Connection c = pg.login(cred.require("username"), cred.require("password")); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
    }

    private void policy(String name, String path, Object... extra) {
        kit.kvWrite("secret/rotation/pg-admin", map("username", "rotator", "password", adminPassword));
        Map<String, Object> m = map("path", path, "rotator", "postgresql", "interval", "90d", "overlap", "24h",
                "connection_url", pg.jdbcUrl(), "admin_path", "secret/rotation/pg-admin");
        for (int i = 0; i < extra.length; i += 2) m.put((String) extra[i], extra[i + 1]);
        kit.sys(Operation.UPDATE, "policy/" + name, m);
    }

    @Test
    void alternatingUsersRotationUnderClientLoadHasZeroFailedLoginsAndOldPasswordFailsAfterOverlap() throws Exception {
        createRoles("load_a", "load_b");
        String oldPassword = setPassword("load_a");
        kit.kvWrite("secret/app/db", map("username", "load_a", "password", oldPassword));
        policy("db", "secret/app/db", "usernames", "load_a,load_b");

        try (LoginLoad load = new LoginLoad(() -> kit.current("secret/app/db"), () -> kit.previous("secret/app/db"), this::login)) {
            load.awaitMoreLogins("load_a", 20);
            kit.service.rotateNow("secret/app/db", "scheduled", false);
            load.awaitMoreLogins("load_b", 20);
            // during the overlap both credentials log in
            login(kit.previous("secret/app/db").orElseThrow());
            kit.clock.advance(Duration.ofHours(24));
            kit.engine.scheduler().runDue(kit.clock.instant());
            load.awaitMoreLogins("load_b", 20);
            load.close();
            assertThat(load.failures.get()).as("failed logins (first: %s)", load.firstFailure.get()).isZero();
        }
        SecretData now = kit.current("secret/app/db").orElseThrow();
        assertThat(now.require("username")).isEqualTo("load_b");
        assertThat(kit.previous("secret/app/db")).isEmpty();
        assertThatThrownBy(() -> pg.login("load_a", oldPassword)).isInstanceOfSatisfying(SQLException.class,
                e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        login(now);

        // the next rotation swaps back to load_a with a fresh password
        kit.service.rotateNow("secret/app/db", "manual", false);
        SecretData back = kit.current("secret/app/db").orElseThrow();
        assertThat(back.require("username")).isEqualTo("load_a");
        assertThat(back.require("password")).isNotEqualTo(oldPassword);
        login(back);
        login(kit.previous("secret/app/db").orElseThrow());
        String rendered = kit.events.toString() + kit.nonValueStorageText();
        assertThat(rendered).doesNotContain(oldPassword).doesNotContain(now.require("password")).doesNotContain(back.require("password")).doesNotContain(adminPassword);
    }

    @Test
    void singleUserStrategyChangesThePasswordInPlaceAndQuotesOddRoleNames() throws Exception {
        String role = "o'brien \"x\"";
        createRoles(role);
        String old = setPassword(role);
        kit.kvWrite("secret/app/single", map("username", role, "password", old));
        assertThatThrownBy(() -> policy("single", "secret/app/single", "username", role))
                .isInstanceOf(KeyhavenException.class).hasMessageContaining("cannot keep the old credential valid");
        policy("single", "secret/app/single", "username", role, "overlap", "0");
        kit.service.rotateNow("secret/app/single", "manual", false);
        SecretData now = kit.current("secret/app/single").orElseThrow();
        login(now);
        assertThatThrownBy(() -> pg.login(role, old)).isInstanceOf(SQLException.class);
        RotationRecord r = kit.record("secret/app/single");
        assertThat(r.previous()).isEmpty();
        assertThat(r.current().orElseThrow().label()).isEqualTo(role);
        // retiring the previous (same user) must not touch the new password
        login(now);
    }

    @Test
    void emergencyRevokePreviousEndsTheOldUsersSessionsAndLogins() throws Exception {
        createRoles("em_a", "em_b");
        String old = setPassword("em_a");
        kit.kvWrite("secret/app/em", map("username", "em_a", "password", old));
        policy("em", "secret/app/em", "usernames", "em_a,em_b");
        try (Connection open = pg.login("em_a", old)) {
            kit.sys(Operation.UPDATE, "rotate/secret/app/em", map("revoke_previous", true));
            assertThatThrownBy(() -> {
                try (Statement st = open.createStatement()) {
                    st.execute("SELECT 1");
                }
            }).isInstanceOf(SQLException.class);
        }
        assertThatThrownBy(() -> pg.login("em_a", old)).isInstanceOf(SQLException.class);
        login(kit.current("secret/app/em").orElseThrow());
        assertThat(kit.events).anyMatch(RotationEvent::isIncident);
    }

    @Test
    void wrongAdminPasswordFailsWithoutLeakingAndKeepsTheCurrentCredential() throws Exception {
        createRoles("bad_a", "bad_b");
        String old = setPassword("bad_a");
        kit.kvWrite("secret/app/bad", map("username", "bad_a", "password", old));
        policy("bad", "secret/app/bad", "usernames", "bad_a,bad_b");
        String wrong = "wrong-" + RandomValues.hex(new java.security.SecureRandom(), 8);
        kit.kvWrite("secret/rotation/pg-admin", map("username", "rotator", "password", wrong));
        assertThatThrownBy(() -> kit.service.rotateNow("secret/app/bad", "manual", false))
                .isInstanceOf(KeyhavenException.class)
                .hasMessageContaining("admin login as 'rotator' failed (SQLSTATE 28P01)")
                .hasMessageNotContaining(wrong);
        RotationRecord r = kit.record("secret/app/bad");
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.lastError()).contains("28P01").doesNotContain(wrong);
        assertThat(r.inflight()).isNull();
        assertThat(kit.current("secret/app/bad").orElseThrow().require("username")).isEqualTo("bad_a");
        login(kit.current("secret/app/bad").orElseThrow());
    }

    @Test
    void settingsAreValidated() {
        kit.kvWrite("secret/rotation/pg-admin", map("username", "rotator", "password", adminPassword));
        Map<String, Object> base = map("path", "secret/app/v", "rotator", "postgresql", "interval", "90d", "overlap", "0", "admin_path", "secret/rotation/pg-admin");
        Map<String, Object> noUrl = new java.util.LinkedHashMap<>(base);
        noUrl.put("username", "x");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/v", noUrl), "setting 'connection_url' is required");
        Map<String, Object> pwInUrl = new java.util.LinkedHashMap<>(noUrl);
        pwInUrl.put("connection_url", "jdbc:postgresql://h/db?password=x");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/v", pwInUrl), "must not contain a password");
        Map<String, Object> three = new java.util.LinkedHashMap<>(base);
        three.put("connection_url", pg.jdbcUrl());
        three.put("usernames", "a,b,c");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "policy/v", three), "exactly two different users");
    }
}
