package dev.keyhaven.bench.http;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** Starts {@code keyhaven server -dev} from the runnable jar as a child JVM on a free loopback port. */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final String token;
    private final Path dataDir;

    private ServerProcess(Process process, int port, String token, Path dataDir) {
        this.process = process;
        this.port = port;
        this.token = token;
        this.dataDir = dataDir;
    }

    public static Path findJar() {
        String prop = System.getProperty("keyhaven.jar");
        if (prop != null) return Path.of(prop);
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path jar = dir.resolve("keyhaven-cli/target/keyhaven.jar");
            if (Files.isRegularFile(jar)) return jar;
            dir = dir.getParent();
        }
        throw new IllegalStateException("keyhaven-cli/target/keyhaven.jar not found: build it first (./keyhaven --version) or pass -Dkeyhaven.jar=PATH");
    }

    public static ServerProcess startDev(List<String> extraArgs) throws IOException, InterruptedException {
        List<String> jvmArgs = new ArrayList<>();
        // extra JVM options for the server, e.g. -Dserver.jvmArgs=-XX:+PreserveFramePointer when profiling it
        for (String a : System.getProperty("server.jvmArgs", "").trim().split("\\s+")) if (!a.isEmpty()) jvmArgs.add(a);
        return startDev(findJar(), jvmArgs, extraArgs);
    }

    /** {@code keyhaven server -dev} from a given runnable jar, with extra JVM options and server arguments. */
    public static ServerProcess startDev(Path jar, List<String> jvmArgs, List<String> extraArgs) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String token = "bench-root-" + UUID.randomUUID();
        Path data = Files.createTempDirectory("keyhaven-bench");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar.toString(), "server", "-dev",
                "-dev-listen-address", "127.0.0.1:" + port,
                "-dev-root-token-id", token,
                "-dev-data-dir", data.toString()));
        cmd.addAll(extraArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(data.resolve("server.log").toFile()).start();
        ServerProcess sp = new ServerProcess(p, port, token, data);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) throw new IllegalStateException("server exited early; see " + data.resolve("server.log"));
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sp.address() + "/v1/sys/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return sp;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        sp.close();
        throw new IllegalStateException("server did not become healthy within 60 s");
    }

    public String address() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String token() {
        return token;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** CPU time the server process has used so far (all threads), or -1 where the platform does not tell. */
    public long cpuNanos() {
        return cpuNanos(process.toHandle());
    }

    /** CPU time a process has used so far (all threads), or -1 where the platform does not tell. */
    public static long cpuNanos(ProcessHandle p) {
        return p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    /**
     * Kernel (system) CPU time the server has used so far, from {@code /proc/PID/stat}; -1 where that cannot be read
     * (not Linux). Separates what system calls (socket and file writes, futex wake-ups) cost from the Java code's own time.
     */
    public long systemCpuNanos() {
        try {
            String[] f = statFields(Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat")));
            return f == null ? -1 : Long.parseLong(f[12]) * 10_000_000L; // stime, in USER_HZ (100) ticks
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The fields of a {@code /proc/.../stat} line after the {@code (comm)} field, which may itself hold spaces:
     * index 11 is utime and 12 stime; null if the line has no such field.
     */
    private static String[] statFields(String stat) {
        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
        if (open < 0 || close < open || close + 2 > stat.length()) return null;
        return stat.substring(close + 2).split(" ");
    }

    /**
     * CPU time the server's JIT compiler threads ({@code C1/C2 CompilerThread}) have used so far, read from
     * {@code /proc/PID/task/}; -1 where that cannot be read (not Linux). Shows when the JIT has settled: a
     * measurement taken while C2 still compiles charges that one-off cost to whatever path runs meanwhile.
     */
    public long compilerCpuNanos() {
        Map<String, Long> groups = threadCpuNanos();
        return groups == null ? -1 : groups.getOrDefault("jit", 0L);
    }

    /**
     * CPU time (user + kernel) the server's threads have used so far, summed per group of threads: {@code loop} (Netty
     * event loops), {@code workers}, {@code audit} (writer and checkpoint threads), {@code jit}, {@code gc} and
     * {@code other}; null where {@code /proc/PID/task/} cannot be read (not Linux). Threads that ended are missing, so
     * compare groups of long-lived threads only. Resolution: one clock tick (10 ms).
     */
    public Map<String, Long> threadCpuNanos() {
        Map<String, Long> ticks = perThreadGroup("stat", stat -> {
            String[] f = statFields(stat);
            if (f == null) return null;
            long used = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, in USER_HZ (100) ticks
            return Map.entry(threadGroup(stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))), used);
        });
        if (ticks != null) ticks.replaceAll((k, v) -> v * 10_000_000L);
        return ticks;
    }

    /**
     * Reads {@code /proc/PID/task/TID/<file>} of every server thread, turns each into a thread group and a count
     * ({@code parse}; null skips the thread) and sums the counts per group; null where the directory cannot be read.
     */
    private Map<String, Long> perThreadGroup(String file, java.util.function.Function<String, Map.Entry<String, Long>> parse) {
        Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
        if (!Files.isDirectory(tasks)) return null;
        Map<String, Long> sums = new TreeMap<>();
        try (var threads = Files.newDirectoryStream(tasks)) {
            for (Path t : threads) {
                String text;
                try {
                    text = Files.readString(t.resolve(file));
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                Map.Entry<String, Long> e = parse.apply(text);
                if (e != null) sums.merge(e.getKey(), e.getValue(), Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return sums;
    }

    /**
     * Write system calls the server has made so far (socket and file writes alike: {@code syscw} of
     * {@code /proc/PID/io}); -1 where that cannot be read. With the audit on, the increase per request over the audit-off
     * figure is the file writes per read, so its inverse is how many reads one group-commit write carries.
     */
    public long writeSyscalls() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "io"))) {
                if (line.startsWith("syscw:")) return Long.parseLong(line.substring(6).trim());
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Context switches (voluntary + involuntary) of the server's threads so far, summed per group as in
     * {@link #threadCpuNanos}; null where {@code /proc/PID/task/} cannot be read. A voluntary switch is a thread
     * going to sleep (park, epoll_wait with nothing to do) and, on a VM, usually a wake-up by another CPU later.
     */
    public Map<String, Long> threadSwitches() {
        return perThreadGroup("status", status -> {
            String group = "other";
            long n = 0;
            for (String line : status.split("\n")) {
                if (line.startsWith("Name:")) group = threadGroup(line.substring(5).trim());
                else if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                    n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return Map.entry(group, n);
        });
    }

    /** The group of a thread by its (15-character) Linux name. */
    static String threadGroup(String comm) {
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) return "jit";
        if (comm.startsWith("nioEventLoopGro")) return "loop";
        if (comm.startsWith("keyhaven-worker")) return "workers";
        if (comm.startsWith("audit-")) return "audit";
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) return "gc";
        return "other";
    }

    /** A JSON request through the JDK client (for setup steps, not for measuring). */
    public HttpResponse<String> call(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address() + "/v1/" + path)).header("X-Vault-Token", token);
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) b.header("Content-Type", "application/json");
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 400) throw new IllegalStateException(method + " " + path + " -> " + r.statusCode());
        return r;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        if (!Boolean.getBoolean("keep.server.data")) deleteTree(dataDir);
    }

    /** Removes the server's temporary data directory (kept with {@code -Dkeep.server.data=true}) (the store, its log, anything a benchmark left in it). */
    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
