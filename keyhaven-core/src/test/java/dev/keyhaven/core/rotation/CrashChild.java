package dev.keyhaven.core.rotation;

import dev.keyhaven.core.Keyhaven;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.storage.sqlite.SqliteStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * A child JVM for {@link RotationCrashTest}: a real core (SQLite store, AES-GCM barrier, Shamir seal, router, KV v2)
 * with the rotation engine. {@code rotate DIR URL}: set up on first use, then run an emergency rotation with
 * revoke_previous; the test-only hook {@code keyhaven.rotation.crashAfter} halts the JVM (status 137) right after
 * the chosen step. {@code verify DIR URL}: restart, let the scheduler recover, and report the state (never values).
 * The app and admin passwords arrive in environment variables, never on the command line.
 */
public final class CrashChild {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        String url = args[2];
        SqliteStorage store = SqliteStorage.open(dir.resolve("keyhaven.db"));
        Keyhaven core = Keyhaven.builder(store).build();
        Path shareFile = dir.resolve("share");
        if (!core.isInitialized()) {
            Keyhaven.InitResult init = core.initialize(1, 1, Optional.empty());
            Files.writeString(shareFile, HexFormat.of().formatHex(init.shares().get(0)));
        }
        if (core.isSealed()) core.submitUnsealShare(HexFormat.of().parseHex(Files.readString(shareFile).strip()));
        if (core.router().find("secret/").isEmpty()) core.mount("secret/", "kv", "", Map.of("version", "2"));
        RotationEngine engine = RotationExtension.engine(core, Duration.ofSeconds(30));
        LogicalClient logical = RotationExtension.internalClient(core);
        String user = System.getenv("CRASH_USER");
        if (mode.equals("rotate")) {
            if (engine.service().policy("db").isEmpty()) {
                write(logical, "secret/data/rotation/pg-admin", Map.of("username", "rotator", "password", System.getenv("CRASH_ADMIN_PW")));
                write(logical, "secret/data/app/db", Map.of("username", user + "_a", "password", System.getenv("CRASH_OLD_PW")));
                engine.service().writePolicy(RotationPolicy.parse("db", Map.of("path", "secret/app/db", "rotator", "postgresql",
                        "interval", "90d", "overlap", "24h", "connection_url", url, "admin_path", "secret/rotation/pg-admin",
                        "usernames", user + "_a," + user + "_b")));
            }
            System.setProperty(CrashPoints.PROPERTY, System.getenv("CRASH_AFTER"));
            engine.service().rotateNow("secret/app/db", "emergency", true);
            System.out.println("finished without crashing");
            System.exit(0);
        }
        // verify: the restarted leader's first scheduler pass recovers whatever was in flight
        engine.scheduler().runDue(core.clock().instant());
        RotationRecord r = engine.service().record("secret/app/db").orElseThrow();
        long currents = r.versions().stream().filter(v -> v.state() == VersionState.CURRENT).count();
        KvAccess kv = engine.service().kv();
        KvAccess.Target t = KvAccess.split("secret/app/db", "");
        long kvCurrent = kv.metadata(t).orElseThrow().currentVersion();
        SecretData cur = kv.read(t, kvCurrent).orElseThrow();
        String login;
        Properties p = new Properties();
        p.setProperty("user", cur.require("username"));
        p.setProperty("password", cur.require("password"));
        try (Connection c = DriverManager.getConnection(url, p); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            login = "ok";
        } catch (Exception e) {
            login = "failed";
        }
        System.out.println("STATE currents=" + currents + " inflight=" + (r.inflight() != null)
                + " record_current=" + r.current().map(RotationRecord.SecretVersion::version).orElse(0L)
                + " kv_current=" + kvCurrent + " previous=" + r.previous().isPresent()
                + " kv_previous=" + kv.metadata(t).orElseThrow().previousReadable().isPresent()
                + " user=" + cur.require("username") + " login=" + login
                + " pending_left=" + store.list(RotationExtension.STORAGE_PREFIX).stream().anyMatch(k -> k.equals("pending/")));
        core.close();
        System.exit(0);
    }

    private static void write(LogicalClient logical, String path, Map<String, Object> data) {
        logical.handle(Request.builder(Operation.UPDATE, path).data(Map.of("data", data)).build());
    }

    static List<String> steps() {
        return List.of("prepared", "applied", "stored", "promoted", "target-retired", "retired");
    }
}
