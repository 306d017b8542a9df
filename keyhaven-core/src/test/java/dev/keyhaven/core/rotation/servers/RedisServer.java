package dev.keyhaven.core.rotation.servers;

import dev.keyhaven.core.rotation.rotators.RespTestAccess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * A real Redis 6.2 server: the {@code redis-server} binary shipped inside the
 * {@code com.github.codemonstur:embedded-redis} artifact (only the binary is used). The {@code default} user gets a
 * generated password; nothing is persisted.
 */
public final class RedisServer implements AutoCloseable {
    private static final String BINARY = "redis-server-6.2.6-v5-linux-amd64";
    private final Process process;
    private final Path dir;
    private final int port;
    private final String defaultPassword;

    private RedisServer(Process process, Path dir, int port, String defaultPassword) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.defaultPassword = defaultPassword;
    }

    public static RedisServer start() {
        Path bin = binary();
        Path dir = NativeProcess.workDir("kh-redis-");
        int port = NativeProcess.freePort();
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Path log = dir.resolve("server.log");
        Process p;
        try {
            Path conf = dir.resolve("redis.conf");
            // the password goes in a config file, not on the command line (visible in ps)
            Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir " + dir + "\nrequirepass " + password + "\n");
            if (NativeProcess.ROOT) NativeProcess.chownNobody(conf);
            p = new ProcessBuilder(NativeProcess.asServerUser(List.of(bin.toString(), conf.toString())))
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server", e);
        }
        RedisServer s = new RedisServer(p, dir, port, password);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            if (!p.isAlive()) throw new IllegalStateException("redis-server exited with " + p.exitValue() + ":\n" + NativeProcess.logTail(log));
            try {
                RespTestAccess.authAndCall(port, "default", password, "PING");
                return s;
            } catch (IOException | RuntimeException e) {
                if (Instant.now().isAfter(deadline)) {
                    s.close();
                    throw new IllegalStateException("redis-server did not answer within 60s:\n" + NativeProcess.logTail(log));
                }
                try {
                    Thread.sleep(50); // polling a starting server
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
    }

    private static Path binary() {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "keyhaven-test-bin", "redis-6.2.6");
        Path bin = dir.resolve("redis-server");
        if (Files.isExecutable(bin)) return bin;
        try (var in = RedisServer.class.getClassLoader().getResourceAsStream(BINARY)) {
            if (in == null) throw new IllegalStateException(BINARY + " not on the test class path (embedded-redis artifact missing?)");
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path tmp = Files.createTempFile(dir, "redis-server", ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, bin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return bin;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String address() {
        return "127.0.0.1:" + port;
    }

    public String defaultPassword() {
        return defaultPassword;
    }

    public Object admin(String... command) throws IOException {
        return RespTestAccess.authAndCall(port, "default", defaultPassword, command);
    }

    @Override
    public void close() {
        NativeProcess.stop(process);
        NativeProcess.deleteTree(dir);
    }
}
