package dev.keyhaven.bench.audit;

import dev.keyhaven.bench.http.HttpLoad;
import dev.keyhaven.bench.http.ServerProcess;
import dev.keyhaven.core.audit.AuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * KV v2 read throughput over real HTTP with the file audit device off and on, in one run against one server (target:
 * on ≥ 0.8 × off). Both paths are JIT-warmed first (one unmeasured off and on phase), then {@code rounds} rounds
 * measure off and on back to back, alternating which goes first so drift on a shared machine cancels; the figure is
 * the median of the per-round ratios (the overall ratio of the sums is printed too). The audit file is verified
 * afterwards, so the figure is for a real, hash-chained log on the data directory's file system.
 *
 * <p>Options: {@code -Dconnections=32 -Dwarmup=2 -Dseconds=6 -Drounds=4 -Dfsync=false}; diagnostics:
 * {@code -Dlog.dir=DIR} (the log elsewhere, e.g. a tmpfs) and {@code -Dsink=discard} (format and chain, write nothing).
 *
 * <p>Run: {@code ./mvnw -q -B -DskipTests package && java -cp keyhaven-bench/target/keyhaven-bench.jar dev.keyhaven.bench.audit.AuditBenchmark}
 */
public final class AuditBenchmark {
    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("connections", 32);
        double warmup = Double.parseDouble(System.getProperty("warmup", "2"));
        double seconds = Double.parseDouble(System.getProperty("seconds", "6"));
        int rounds = Integer.getInteger("rounds", 4);
        boolean fsync = Boolean.getBoolean("fsync");
        boolean discard = "discard".equals(System.getProperty("sink"));
        try (ServerProcess server = ServerProcess.startDev(List.of())) {
            String host = "127.0.0.1";
            int port = server.port();
            String token = server.token();
            int keys = 1000;
            for (int i = 0; i < keys; i++) {
                server.call("POST", "secret/data/bench/k" + i, "{\"data\":{\"password\":\"v" + i + "-0123456789abcdef\",\"user\":\"app\"}}");
            }
            byte[][] reads = new byte[keys][];
            for (int i = 0; i < keys; i++) reads[i] = HttpLoad.get(host, port, "/v1/secret/data/bench/k" + i, token);
            Path log = Path.of(System.getProperty("log.dir", server.dataDir().toString())).resolve("audit-" + ProcessHandle.current().pid() + ".log");
            String target = discard ? "discard" : log.toString().replace("\\", "\\\\");
            String enable = "{\"type\":\"file\",\"options\":{\"file_path\":\"" + target + "\"" + (fsync ? ",\"fsync\":\"true\"" : "") + "}}";
            HttpLoad.RequestSource source = (c, n) -> reads[(int) ((c * 7919L + n) % keys)];

            System.out.printf("KV v2 read over HTTP, file audit device off vs on, JIT warm-up + %d rounds (order alternating), %d connections, "
                    + "%.0f s warm-up + %.0f s per phase, %d cores, fsync=%s, sink=%s%n",
                    rounds, connections, warmup, seconds, Runtime.getRuntime().availableProcessors(), fsync, discard ? "discard" : log.getParent());
            phase(server, enable, false, "warm-up, audit off", host, port, connections, warmup, seconds, source);
            phase(server, enable, true, "warm-up, audit on", host, port, connections, warmup, seconds, source);
            double offSum = 0;
            double onSum = 0;
            List<Double> ratios = new java.util.ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                boolean onFirst = round % 2 == 0;
                HttpLoad.Result first = phase(server, enable, onFirst, "r" + round + (onFirst ? " audit on" : " audit off"), host, port, connections, warmup, seconds, source);
                HttpLoad.Result second = phase(server, enable, !onFirst, "r" + round + (onFirst ? " audit off" : " audit on"), host, port, connections, warmup, seconds, source);
                HttpLoad.Result on = onFirst ? first : second;
                HttpLoad.Result off = onFirst ? second : first;
                offSum += off.throughput();
                onSum += on.throughput();
                ratios.add(on.throughput() / off.throughput());
                System.out.printf("   round %d: on/off %.2f%n", round, on.throughput() / off.throughput());
            }
            java.util.Collections.sort(ratios);
            double median = ratios.size() % 2 == 1 ? ratios.get(ratios.size() / 2) : (ratios.get(ratios.size() / 2 - 1) + ratios.get(ratios.size() / 2)) / 2;
            System.out.printf("ratio on/off: median %.2f (min %.2f, max %.2f), overall %.2f; off %.0f req/s, on %.0f req/s on average  (target >= 0.80)%n",
                    median, ratios.get(0), ratios.get(ratios.size() - 1), onSum / offSum, offSum / rounds, onSum / rounds);
            if (!discard) {
                AuditVerifier.Result v = new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(log));
                System.out.printf("audit log: %,d bytes; verify: %s%n", Files.size(log), v.message());
                Files.deleteIfExists(log);
            }
        }
    }

    private static HttpLoad.Result phase(ServerProcess server, String enable, boolean on, String name, String host, int port, int connections,
                                         double warmup, double seconds, HttpLoad.RequestSource source) throws Exception {
        if (on) server.call("PUT", "sys/audit/file", enable);
        try {
            HttpLoad.Result r = HttpLoad.run(name, host, port, connections, warmup, seconds, source, s -> s == 200);
            System.out.println(r);
            return r;
        } finally {
            if (on) server.call("DELETE", "sys/audit/file", null);
        }
    }
}
