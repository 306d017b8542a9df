package dev.keyhaven.core.rotation.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Helpers to run real database servers from binaries shipped in Maven artifacts. Servers such as PostgreSQL and
 * MariaDB refuse to run as root; when the build runs as root (containers, CI) the server processes run as
 * {@code nobody} through util-linux's {@code setpriv}. Every failure throws: a test that needs a server fails
 * loudly, never skips.
 */
public final class NativeProcess {
    static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    static final int NOBODY = 65534;

    private NativeProcess() {}

    /** Extracts a classpath resource archive (.txz / .tar.gz) once into a cache folder under the temp dir. */
    static Path extractOnce(String resource, String cacheName) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "keyhaven-test-bin", cacheName);
        Path marker = dir.resolve(".complete");
        if (Files.exists(marker)) return dir;
        try {
            Path parent = dir.getParent();
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, cacheName + "-");
            Path archive = staging.resolve("archive");
            try (InputStream in = NativeProcess.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) throw new IllegalStateException("resource " + resource + " not on the test class path (Maven artifact missing?)");
                Files.copy(in, archive);
            }
            run(List.of("tar", "-xf", archive.toString(), "-C", staging.toString()), staging);
            Files.delete(archive);
            openUp(staging);
            try {
                Files.move(staging, dir);
            } catch (IOException raced) {
                deleteTree(staging); // another build extracted it meanwhile
            }
            Files.writeString(marker, "ok");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("extracting " + resource + " failed", e);
        }
    }

    /** A private working directory that the server user may write. */
    static Path workDir(String prefix) {
        try {
            Path d = Files.createTempDirectory(prefix);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
            if (ROOT) chownNobody(d);
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void chownNobody(Path p) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(p, lookup.lookupPrincipalByName("nobody"));
        Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(lookup.lookupPrincipalByGroupName(groupOfNobody()));
    }

    private static String groupOfNobody() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/group"))) {
                String[] f = line.split(":");
                if (f.length > 2 && f[2].equals(Integer.toString(NOBODY))) return f[0];
            }
        } catch (IOException e) {
            // fall through
        }
        return "nogroup";
    }

    /** The command, run as {@code nobody} when we are root. */
    static List<String> asServerUser(List<String> cmd) {
        if (!ROOT) return cmd;
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        out.addAll(cmd);
        return out;
    }

    static void run(List<String> cmd, Path cwd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd.get(0));
            }
            if (p.exitValue() != 0) throw new IllegalStateException("command failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + tail(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }

    static String logTail(Path log) {
        try {
            return Files.exists(log) ? tail(Files.readString(log, StandardCharsets.UTF_8)) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable)";
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void stop(Process p) {
        if (p == null) return;
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void openUp(Path dir) throws IOException {
        // extracted binaries must be readable and executable by the server user
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // best effort: a temp dir left behind is harmless
        }
    }
}
