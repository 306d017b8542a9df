package dev.keyhaven.bench.audit;

import dev.keyhaven.bench.http.HttpLoad;
import dev.keyhaven.bench.http.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Measures a change to the audit path: the same KV-read phases as {@link AuditBenchmark} (audit off, audit on with a
 * file device) against two or more server builds started side by side, interleaved in short rounds so that they share
 * whatever the machine is doing. Per build it prints the on/off throughput ratio and the server's CPU time per
 * request off and on; their difference, the audit's CPU cost per read, is the figure to compare (throughput on a
 * shared 2-core machine drifts by ±30 % between minutes, CPU per request by a few per cent).
 *
 * <p>Run: {@code java -Djars=before.jar,after.jar -cp keyhaven-bench/target/keyhaven-bench.jar dev.keyhaven.bench.audit.AuditCompare}
 * (copy {@code keyhaven-cli/target/keyhaven.jar} aside before rebuilding). Options: {@code -Drounds=12 -Dseconds=2
 * -Djit=8 -Dconnections=32}; {@code -Dserver.jvmArgs.N="..."} adds JVM options to the N-th build (1-based), so one
 * jar can also be compared with itself under different {@code -Dkeyhaven.audit...} settings.
 *
 * <p>The noise floor: an A/A run (one jar twice, 8 rounds, each build warmed until its JIT is quiet) gave on/off 0.83
 * vs 0.81 and an audit cost of 11.8 vs 15.4 µs per read; later runs of builds that differ only in a setting that made
 * no difference in repeated runs gave 20.5 vs 14.0 µs once (and 11.6 vs 13.0 µs when repeated), so differences below
 * about 6 µs need several runs before they mean anything. Before warm-up waited
 * for the JIT, A/A runs differed by up to 0.09 and 15 µs, whichever build the JIT happened to leave compiling longer.
 */
public final class AuditCompare {
    private record Build(String name, ServerProcess server, HttpLoad.RequestSource reads, AuditBenchmark.Logs logs, AuditBenchmark.Tally tally) {}

    public static void main(String[] args) throws Exception {
        String jars = System.getProperty("jars", "");
        List<Path> paths = new ArrayList<>();
        for (String j : jars.split(",")) if (!j.isBlank()) paths.add(Path.of(j.trim()));
        if (paths.size() < 2 && !(paths.size() == 1 && System.getProperty("server.jvmArgs.2") != null)) {
            System.err.println("usage: java -Djars=A.jar,B.jar [-Dserver.jvmArgs.N=...] -cp keyhaven-bench.jar " + AuditCompare.class.getName());
            System.exit(2);
        }
        if (paths.size() == 1) paths.add(paths.get(0));
        for (Path p : paths) {
            if (!Files.isRegularFile(p)) {
                System.err.println("not a file: " + p);
                System.exit(2);
            }
        }
        int rounds = Integer.getInteger("rounds", 12);
        double seconds = Double.parseDouble(System.getProperty("seconds", "2"));
        double jit = Double.parseDouble(System.getProperty("jit", "8"));
        int connections = Integer.getInteger("connections", 32);
        List<Build> builds = new ArrayList<>();
        try {
            for (int i = 0; i < paths.size(); i++) {
                List<String> jvm = new ArrayList<>();
                for (String a : System.getProperty("server.jvmArgs." + (i + 1), "").trim().split("\\s+")) if (!a.isEmpty()) jvm.add(a);
                ServerProcess s = ServerProcess.startDev(paths.get(i), jvm, List.of());
                String name = (i + 1) + ":" + paths.get(i).getFileName() + (jvm.isEmpty() ? "" : " " + String.join(" ", jvm));
                builds.add(new Build(name, s, AuditBenchmark.kvReads(s, 1000),
                        new AuditBenchmark.Logs(s.dataDir(), "audit", false, false, false), new AuditBenchmark.Tally()));
            }
            System.out.printf("KV v2 read, file audit device off vs on, %d builds interleaved: JIT warm-up %.0f s per path, %d rounds of %.0f s phases, "
                    + "%d connections, %d cores%n", builds.size(), jit, rounds, seconds, connections, Runtime.getRuntime().availableProcessors());
            for (Build b : builds) AuditBenchmark.warmUp(b.server(), b.logs(), b.name() + " ", connections, jit, b.reads());
            for (int round = 1; round <= rounds; round++) {
                // Mirrored order (two builds: 1off 1on 2on 2off, then 2off 2on 1on 1off): every build's off and on
                // phases follow the same kinds of phase (a phase right after an audit-on phase pays for that log's
                // verification and removal); alternating only the builds' order favoured the second build by ~0.05.
                List<Build> order = new ArrayList<>(builds);
                if (round % 2 == 0) Collections.reverse(order);
                for (int k = 0; k < order.size(); k++) {
                    Build b = order.get(k);
                    AuditBenchmark.round(b.server(), b.logs(), k % 2 == 1, b.name() + " r" + round, connections, 0.5, seconds, b.reads(), b.tally());
                }
            }
            System.out.println();
            for (Build b : builds) {
                AuditBenchmark.Tally t = b.tally();
                System.out.printf("%s%n   throughput on/off: median %.3f, overall %.3f (off %.0f, on %.0f req/s)%n"
                                + "   server CPU per request: off %.1f µs, on %.1f µs -> audit costs %.1f µs per read (off/on %.3f)%n   %s%n",
                        b.name(), t.median(), t.overall(), t.offThroughput(), t.onThroughput(), t.offCpu(), t.onCpu(), t.onCpu() - t.offCpu(),
                        t.offCpu() / t.onCpu(), b.logs().summary());
            }
        } finally {
            for (Build b : builds) b.server().close();
        }
    }
}
