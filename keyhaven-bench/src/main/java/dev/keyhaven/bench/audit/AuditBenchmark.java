package dev.keyhaven.bench.audit;

import dev.keyhaven.bench.http.HttpLoad;
import dev.keyhaven.bench.http.ServerProcess;
import dev.keyhaven.core.audit.AuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * KV v2 read throughput over real HTTP with the file audit device off and on, alternating for several rounds in one run
 * against one server (target: on ≥ 0.8 × off); alternating cancels drift on a shared machine. The audit file is verified afterwards, so the figure is for a real,
 * hash-chained log. Options: {@code -Dconnections=32 -Dwarmup=3 -Dseconds=10 -Drounds=3 -Dfsync=false}.
 *
 * <p>Run: {@code ./mvnw -q -B -DskipTests package && java -cp keyhaven-bench/target/keyhaven-bench.jar dev.keyhaven.bench.audit.AuditBenchmark}
 */
public final class AuditBenchmark {
    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("connections", 32);
        double warmup = Double.parseDouble(System.getProperty("warmup", "3"));
        double seconds = Double.parseDouble(System.getProperty("seconds", "10"));
        boolean fsync = Boolean.getBoolean("fsync");
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
            Path log = server.dataDir().resolve("audit.log");
            String enable = "{\"type\":\"file\",\"options\":{\"file_path\":\"" + log.toString().replace("\\", "\\\\") + "\""
                    + (fsync ? ",\"fsync\":\"true\"" : "") + "}}";

            int rounds = Integer.getInteger("rounds", 3);
            System.out.printf("KV v2 read over HTTP, file audit device off/on alternating, %d rounds, %d connections, %.0f s warm-up + %.0f s per phase, %d cores, fsync=%s%n",
                    rounds, connections, warmup, seconds, Runtime.getRuntime().availableProcessors(), fsync);
            double offSum = 0;
            double onSum = 0;
            List<Double> ratios = new java.util.ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                HttpLoad.Result off = HttpLoad.run("r" + round + " kv read, audit off", host, port, connections, warmup, seconds,
                        (c, n) -> reads[(int) ((c * 7919L + n) % keys)], s -> s == 200);
                server.call("PUT", "sys/audit/file", enable);
                HttpLoad.Result on = HttpLoad.run("r" + round + " kv read, file audit on", host, port, connections, warmup, seconds,
                        (c, n) -> reads[(int) ((c * 7919L + n) % keys)], s -> s == 200);
                server.call("DELETE", "sys/audit/file", null);
                System.out.println(off);
                System.out.println(on);
                offSum += off.throughput();
                onSum += on.throughput();
                ratios.add(on.throughput() / off.throughput());
            }
            java.util.Collections.sort(ratios);
            System.out.printf("ratio on/off: overall %.2f, per round median %.2f (min %.2f, max %.2f)  (target >= 0.80)%n",
                    onSum / offSum, ratios.get(ratios.size() / 2), ratios.get(0), ratios.get(ratios.size() - 1));
            AuditVerifier.Result v = new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(log));
            System.out.printf("audit log: %,d bytes; verify: %s%n", Files.size(log), v.message());
            Files.deleteIfExists(log);
        }
    }
}
