package dev.keyhaven.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.rotation.servers.PostgresServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at each step of a rotation: a child JVM running a real core (SQLite, barrier, KV v2, rotation) rotates a
 * PostgreSQL credential (emergency, revoke_previous, so every step including retirement happens in one run) and
 * halts with status 137 right after the chosen step (test-only hook {@code keyhaven.rotation.crashAfter}). A second
 * JVM restarts on the same store; after its first scheduler pass the secret has exactly one current version, the same
 * in the record and in KV, that logs in to the real database, and the old password no longer does.
 */
class RotationCrashTest {
    private static PostgresServer pg;
    private static String adminPassword;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws SQLException {
        pg = PostgresServer.start();
        adminPassword = RandomValues.hex(new SecureRandom(), 16);
        try (Connection c = pg.superuser(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE rotator LOGIN CREATEROLE PASSWORD '" + adminPassword + "'");
            st.execute("GRANT pg_signal_backend TO rotator");
        }
    }

    @AfterAll
    static void stopServer() {
        if (pg != null) pg.close();
    }

    private record Result(int exit, String output) {}

    private Result child(String mode, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName(), mode, dir.toString(), pg.jdbcUrl()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "crash after {0}")
    @ValueSource(strings = {"prepared", "applied", "stored", "promoted", "target-retired", "retired"})
    void afterRestartExactlyOneCurrentVersionWorksAgainstTheRealDatabase(String step) throws Exception {
        String user = "crash_" + step.replace('-', '_');
        String oldPassword = RandomValues.hex(new SecureRandom(), 16);
        try (Connection c = pg.login("rotator", adminPassword); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + user + "_a LOGIN PASSWORD '" + oldPassword + "'");
            st.execute("CREATE ROLE " + user + "_b LOGIN");
        }
        Map<String, String> env = Map.of("CRASH_USER", user, "CRASH_ADMIN_PW", adminPassword, "CRASH_OLD_PW", oldPassword, "CRASH_AFTER", step);

        Result crashed = child("rotate", env);
        assertThat(crashed.exit()).as("the child must die at the hook:\n%s", crashed.output()).isEqualTo(137);
        assertThat(crashed.output()).contains("keyhaven.rotation.crashAfter=" + step);

        Result verified = child("verify", env);
        assertThat(verified.exit()).as(verified.output()).isZero();
        String state = verified.output().lines().filter(l -> l.startsWith("STATE ")).findFirst().orElseThrow(() -> new AssertionError(verified.output()));
        assertThat(state).contains("currents=1", "inflight=false", "login=ok", "previous=false", "kv_previous=false");
        String rc = field(state, "record_current");
        assertThat(field(state, "kv_current")).isEqualTo(rc);
        assertThat(field(state, "user")).isEqualTo(user + "_b");
        assertThatThrownBy(() -> pg.login(user + "_a", oldPassword)).isInstanceOf(SQLException.class);
        assertThat(verified.output() + crashed.output()).doesNotContain(oldPassword).doesNotContain(adminPassword);
        assertThat(Files.exists(dir.resolve("keyhaven.db"))).isTrue();
    }

    private static String field(String state, String name) {
        for (String part : state.split(" ")) if (part.startsWith(name + "=")) return part.substring(name.length() + 1);
        throw new AssertionError("no " + name + " in " + state);
    }
}
