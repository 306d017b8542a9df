package dev.keyhaven.bench.audit;

import dev.keyhaven.bench.http.HttpLoad;
import dev.keyhaven.bench.http.ServerProcess;
import dev.keyhaven.core.audit.AuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * KV v2 read throughput over real HTTP with the file audit device off and on, in one run against one server (target: on
 * ≥ 0.8 × off). Both paths are JIT-warmed first (unmeasured off and on phases until the JIT compiler is quiet:
 * {@link #warmUp}), then {@code rounds} rounds measure off and on back to back, alternating which goes first so drift
 * on a shared machine cancels; the figure is the median of the per-round ratios (the overall ratio of the sums is
 * printed too). Each audit-on phase writes a log of its own, which is verified after the phase (outside the measured
 * time) and then removed, as logrotate and a log shipper would: so the figure is for a real, hash-chained log on the
 * data directory's file system. On a VM whose balloon device reports free pages to the host (Firecracker, as here),
 * removing a log does not make its pages cheap to reuse: about two seconds after they are freed the host takes them
 * back, and the next write to each page waits for the host to back it again (measured with perf: the kernel copies a
 * read's 2.26 KB into such pages at 1.45 GB/s, ~1.6 µs plus ~0.6 µs zeroing per read; appending the same bytes in 18 KB
 * writes took 1.4 µs per read into fresh pages and 0.55 µs overwriting resident ones). A server whose memory is in use
 * recycles page-cache pages that stay resident; this benchmark cannot show that case without filling the VM's memory.
 * {@code -Dkeep.logs=true} keeps every log until the run ends. Each phase prints the server's CPU time per request, by
 * thread group, its context switches and its write system calls per request (with the audit on, the increase over the
 * audit-off figure is the file writes per read), and the whole machine's busy and idle time per request with the load
 * generator's share. Per-request CPU drifts with the host's load as much as throughput does (the audit-off path
 * measured 37-67 µs within one run), so only alternating rounds compare fairly. {@link AuditCompare} runs the same
 * phases against several server builds at once, to measure a change.
 *
 * <p>Options: {@code -Dconnections=32 -Djit=6 -Dwarmup=2 -Dseconds=6 -Drounds=4 -Dfsync=false} ({@code jit}: seconds of
 * each unmeasured JIT warm-up phase; {@code -Djit.quiet=0.04 -Djit.maxPairs=12}: when warm-up ends); diagnostics:
 * {@code -Dlog.dir=DIR} (the log elsewhere, e.g. a tmpfs) and {@code -Dsink=discard} (format and chain, write nothing).
 *
 * <p>Run: {@code ./mvnw -q -B -DskipTests package && java -cp keyhaven-bench/target/keyhaven-bench.jar dev.keyhaven.bench.audit.AuditBenchmark}
 */
public final class AuditBenchmark {
    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("connections", 32);
        double warmup = Double.parseDouble(System.getProperty("warmup", "2"));
        double jit = Double.parseDouble(System.getProperty("jit", "6"));
        double seconds = Double.parseDouble(System.getProperty("seconds", "6"));
        int rounds = Integer.getInteger("rounds", 4);
        boolean fsync = Boolean.getBoolean("fsync");
        boolean discard = "discard".equals(System.getProperty("sink"));
        try (ServerProcess server = ServerProcess.startDev(List.of())) {
            HttpLoad.RequestSource source = kvReads(server, 1000);
            Path logDir = Path.of(System.getProperty("log.dir", server.dataDir().toString()));
            boolean keepLogs = Boolean.getBoolean("keep.logs");
            Logs logs = new Logs(logDir, "audit-" + ProcessHandle.current().pid(), discard, fsync, keepLogs);

            System.out.printf("KV v2 read over HTTP, file audit device off vs on, JIT warm-up (%.0f s off + %.0f s on, until the JIT is quiet) + %d rounds "
                    + "(order alternating), %d connections, %.0f s warm-up + %.0f s per phase, %d cores, fsync=%s, sink=%s%n",
                    jit, jit, rounds, connections, warmup, seconds, Runtime.getRuntime().availableProcessors(), fsync, discard ? "discard" : logDir);
            warmUp(server, logs, "", connections, jit, source);
            Tally tally = new Tally();
            for (int round = 1; round <= rounds; round++) {
                double ratio = round(server, logs, round % 2 == 0, "r" + round, connections, warmup, seconds, source, tally);
                System.out.printf("   round %d: on/off %.2f%n", round, ratio);
            }
            System.out.printf("ratio on/off: median %.2f (min %.2f, max %.2f), overall %.2f; off %.0f req/s, on %.0f req/s on average  (target >= 0.80)%n",
                    tally.median(), tally.min(), tally.max(), tally.overall(), tally.offThroughput(), tally.onThroughput());
            if (tally.hasCpu()) {
                System.out.printf("server CPU per request: off %.1f µs, on %.1f µs (off/on %.2f; the load generator shares the machine)%n",
                        tally.offCpu(), tally.onCpu(), tally.offCpu() / tally.onCpu());
            }
            System.out.println(logs.summary());
        }
    }

    /** Below this share of one core used by the server's JIT compiler threads over a warm-up pair, the JIT counts as settled. */
    static final double JIT_QUIET = Double.parseDouble(System.getProperty("jit.quiet", "0.04"));
    /** At most this many warm-up pairs. */
    static final int JIT_MAX_PAIRS = Integer.getInteger("jit.maxPairs", 12);

    /**
     * JIT warm-up: pairs of unmeasured audit-off and audit-on phases ({@code seconds} each) until, over two pairs in a
     * row, the server's JIT compiler threads used less than {@link #JIT_QUIET} of a core (at most {@link #JIT_MAX_PAIRS}
     * pairs; one pair where the compiler's CPU time cannot be read). On 2 busy cores C2 keeps compiling for a minute
     * or more, mostly the audit-on path (it runs less during warm-up, and switching the device on and off deoptimizes
     * code compiled for one state); rounds measured meanwhile charge that one-off cost to the audit (measured: C2 at
     * 40-50 % of a core in the first rounds' audit-on phases, at 0-5 % from the fourth round on). Returns the pairs run.
     */
    static int warmUp(ServerProcess server, Logs logs, String label, int connections, double seconds, HttpLoad.RequestSource source) throws Exception {
        int quietPairs = 0;
        for (int pair = 1; ; pair++) {
            long c0 = server.compilerCpuNanos();
            long t0 = System.nanoTime();
            phase(server, logs, false, label + "JIT warm-up " + pair + ", audit off", connections, 0, seconds, source);
            phase(server, logs, true, label + "JIT warm-up " + pair + ", audit on", connections, 0, seconds, source);
            long c1 = server.compilerCpuNanos();
            if (c0 < 0 || c1 < 0) return pair;
            double share = (double) (c1 - c0) / (System.nanoTime() - t0);
            quietPairs = share < JIT_QUIET ? quietPairs + 1 : 0;
            boolean settled = quietPairs >= 2; // one quiet pair is sometimes followed by a second wave of compiling
            System.out.printf("   %sJIT compiler threads used %.0f %% of a core over warm-up pair %d%s%n", label, share * 100, pair,
                    settled ? ": settled" : pair >= JIT_MAX_PAIRS ? ": NOT settled (jit.maxPairs reached; figures below include compiling)" : "");
            if (settled || pair >= JIT_MAX_PAIRS) return pair;
        }
    }

    /**
     * One round: an audit-off and an audit-on phase back to back ({@code onFirst} picks the order), added to
     * {@code tally}; returns the round's on/off throughput ratio.
     */
    static double round(ServerProcess server, Logs logs, boolean onFirst, String label, int connections, double warmup, double seconds,
                        HttpLoad.RequestSource source, Tally tally) throws Exception {
        Phase first = phase(server, logs, onFirst, label + (onFirst ? " audit on" : " audit off"), connections, warmup, seconds, source);
        Phase second = phase(server, logs, !onFirst, label + (onFirst ? " audit off" : " audit on"), connections, warmup, seconds, source);
        return tally.add(onFirst ? second : first, onFirst ? first : second);
    }

    /** The rounds of one server: per-round on/off ratios, and throughput and CPU per request summed per mode. */
    static final class Tally {
        private final List<Double> ratios = new java.util.ArrayList<>();
        private double offThroughput;
        private double onThroughput;
        private double offCpu;
        private double onCpu;

        double add(Phase off, Phase on) {
            double ratio = on.result().throughput() / off.result().throughput();
            ratios.add(ratio);
            offThroughput += off.result().throughput();
            onThroughput += on.result().throughput();
            offCpu += off.cpuMicrosPerRequest();
            onCpu += on.cpuMicrosPerRequest();
            return ratio;
        }

        double median() {
            List<Double> r = sorted();
            return r.size() % 2 == 1 ? r.get(r.size() / 2) : (r.get(r.size() / 2 - 1) + r.get(r.size() / 2)) / 2;
        }

        double min() {
            return sorted().get(0);
        }

        double max() {
            return sorted().get(ratios.size() - 1);
        }

        private List<Double> sorted() {
            List<Double> r = new java.util.ArrayList<>(ratios);
            java.util.Collections.sort(r);
            return r;
        }

        /** The ratio of the summed throughputs. */
        double overall() {
            return onThroughput / offThroughput;
        }

        double offThroughput() {
            return offThroughput / ratios.size();
        }

        double onThroughput() {
            return onThroughput / ratios.size();
        }

        /** Mean server CPU per request (µs) with the audit off, and on. */
        double offCpu() {
            return offCpu / ratios.size();
        }

        double onCpu() {
            return onCpu / ratios.size();
        }

        /** Whether the platform told the server's CPU time (every phase's figure was >= 0). */
        boolean hasCpu() {
            return offCpu > 0 && onCpu > 0;
        }
    }

    /** Writes {@code keys} KV v2 secrets and returns reads of them, spread over the keys by connection and sequence. */
    static HttpLoad.RequestSource kvReads(ServerProcess server, int keys) throws Exception {
        byte[][] reads = new byte[keys][];
        for (int i = 0; i < keys; i++) {
            server.call("POST", "secret/data/bench/k" + i, "{\"data\":{\"password\":\"v" + i + "-0123456789abcdef\",\"user\":\"app\"}}");
            reads[i] = HttpLoad.get("127.0.0.1", server.port(), "/v1/secret/data/bench/k" + i, server.token());
        }
        return (c, n) -> reads[(int) ((c * 7919L + n) % keys)];
    }

    /** A measured phase and the server's CPU time per request in it (-1 where the platform does not tell). */
    record Phase(HttpLoad.Result result, double cpuMicrosPerRequest) {}

    static Phase phase(ServerProcess server, Logs logs, boolean on, String name, int connections, double warmup, double seconds,
                       HttpLoad.RequestSource source) throws Exception {
        if (on) server.call("PUT", "sys/audit/file", logs.next());
        try {
            // the CPU figure covers the load generator's warm-up second too, so it is taken over all requests sent
            long cpu0 = server.cpuNanos();
            java.util.Map<String, Long> threads0 = server.threadCpuNanos();
            long sys0 = server.systemCpuNanos();
            java.util.Map<String, Long> switches0 = server.threadSwitches();
            long writes0 = server.writeSyscalls();
            long[] machine0 = machineJiffies();
            long self0 = ServerProcess.cpuNanos(ProcessHandle.current()); // the load generator's JVM
            long t0 = System.nanoTime();
            HttpLoad.Result r = HttpLoad.run(name, "127.0.0.1", server.port(), connections, warmup, seconds, source, s -> s == 200);
            long cpu1 = server.cpuNanos();
            java.util.Map<String, Long> threads1 = server.threadCpuNanos();
            long sys1 = server.systemCpuNanos();
            java.util.Map<String, Long> switches1 = server.threadSwitches();
            long writes1 = server.writeSyscalls();
            long[] machine1 = machineJiffies();
            long self1 = ServerProcess.cpuNanos(ProcessHandle.current());
            double jitShare = threads0 == null || threads1 == null ? -1
                    : (double) (threads1.getOrDefault("jit", 0L) - threads0.getOrDefault("jit", 0L)) / (System.nanoTime() - t0);
            double perRequest = cpu0 < 0 || cpu1 < 0 || r.sent() == 0 ? -1 : (cpu1 - cpu0) / 1000.0 / r.sent();
            double sysPerRequest = sys0 < 0 || sys1 < 0 || r.sent() == 0 ? -1 : (sys1 - sys0) / 1000.0 / r.sent();
            System.out.println(r + (perRequest < 0 ? "" : String.format("  server CPU %.1f µs/req", perRequest))
                    + (sysPerRequest < 0 ? "" : String.format(" (kernel %.1f)", sysPerRequest))
                    + (jitShare < 0 ? "" : String.format(", JIT %.0f %%", jitShare * 100))
                    + (threads0 == null || threads1 == null || r.sent() == 0 ? "" : "; µs/req by threads: " + perGroup(threads0, threads1, r.sent(), 1000.0, "%.1f"))
                    + (switches0 == null || switches1 == null || r.sent() == 0 ? "" : "; context switches/req: " + perGroup(switches0, switches1, r.sent(), 1, "%.2f"))
                    + (writes0 < 0 || writes1 < 0 || r.sent() == 0 ? "" : String.format("; write syscalls/req %.3f", (writes1 - writes0) / (double) r.sent()))
                    + machine(machine0, machine1, self0, self1, r.sent()));
            return new Phase(r, perRequest);
        } finally {
            if (on) {
                server.call("DELETE", "sys/audit/file", null);
                logs.done();
            }
        }
    }

    /**
     * The whole machine's busy and idle time per request between two {@link #machineJiffies} snapshots, and the load
     * generator's own CPU time (this JVM): with the audit on, idle time that grows means the server left the cores
     * waiting (e.g. answers held back for a batch), not that it worked more. Empty where {@code /proc/stat} is missing.
     */
    static String machine(long[] before, long[] after, long self0, long self1, long requests) {
        if (before == null || after == null || requests == 0) return "";
        double busy = (after[0] - before[0]) * 10_000.0 / requests; // USER_HZ ticks (10 ms) as µs
        double idle = (after[1] - before[1]) * 10_000.0 / requests;
        String load = self0 < 0 || self1 < 0 ? "" : String.format(", load generator %.1f", (self1 - self0) / 1000.0 / requests);
        return String.format("; machine µs/req: busy %.1f, idle %.1f%s", busy, idle, load);
    }

    /** Busy and idle (idle + iowait) ticks of all CPUs from {@code /proc/stat}; null where it cannot be read. */
    static long[] machineJiffies() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long busy = 0, idle = 0;
            for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                long v = Long.parseLong(f[i]);
                if (i == 4 || i == 5) idle += v;
                else busy += v;
            }
            return new long[] {busy, idle};
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * A per-thread-group count per request between two snapshots, divided by {@code unit} (1000 for CPU nanoseconds
     * as µs) and printed with {@code format}, e.g. {@code loop 14.2, workers 22.0, gc 1.1}.
     */
    static String perGroup(java.util.Map<String, Long> before, java.util.Map<String, Long> after, long requests, double unit, String format) {
        StringBuilder sb = new StringBuilder();
        for (String g : java.util.List.of("loop", "workers", "audit", "gc", "jit", "other")) {
            double perRequest = (after.getOrDefault(g, 0L) - before.getOrDefault(g, 0L)) / unit / requests;
            if (sb.length() > 0) sb.append(", ");
            sb.append(g).append(' ').append(String.format(format, perRequest));
        }
        return sb.toString();
    }

    /** One log per audit-on phase: verified once the device is disabled (outside the measured time), then removed. */
    static final class Logs {
        private final Path dir;
        private final String stem;
        private final boolean discard;
        private final boolean fsync;
        private final boolean keep;
        private Path current;
        private int count;
        private long entries;
        private long bytes;
        private String failure;

        Logs(Path dir, String stem, boolean discard, boolean fsync, boolean keep) {
            this.dir = dir;
            this.stem = stem;
            this.discard = discard;
            this.fsync = fsync;
            this.keep = keep;
        }

        /** The enable request for the next phase's log. */
        String next() {
            current = dir.resolve(stem + "-" + (++count) + ".log");
            String target = discard ? "discard" : current.toString().replace("\\", "\\\\");
            return "{\"type\":\"file\",\"options\":{\"file_path\":\"" + target + "\"" + (fsync ? ",\"fsync\":\"true\"" : "") + "}}";
        }

        void done() throws java.io.IOException {
            if (discard) return;
            AuditVerifier.Result v = new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(current));
            if (!v.ok() && failure == null) failure = current + ": " + v.message();
            entries += v.entries();
            bytes += Files.size(current);
            if (!keep) Files.deleteIfExists(current);
        }

        String summary() {
            if (discard) return "audit logs: discarded (sink=discard)";
            return String.format("audit logs: %d (one per audit-on phase), %,d entries, %,d bytes; verify: %s%s", count, entries, bytes,
                    failure == null ? "every log ok, chain intact" : "FAILED " + failure, keep ? "; kept in " + dir : "; removed after verifying");
        }
    }
}
