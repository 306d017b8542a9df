package dev.keyhaven.bench.audit;

import dev.keyhaven.bench.http.HttpLoad;
import dev.keyhaven.bench.http.ServerProcess;
import dev.keyhaven.core.audit.AuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * KV v2 read throughput over real HTTP with the file audit device off, on, and off again, measured in one run against
 * one server (target: on ≥ 0.8 × off). The audit file is verified afterwards, so the figure is for a real,
 * hash-chained log. Options: {@code -Dconnections=32 -Dwarmup=3 -Dseconds=10 -Dfsync=false}.
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

            System.out.printf("KV v2 read over HTTP, file audit device off/on/off, %d connections, %.0f s warm-up + %.0f s per phase, %d cores, fsync=%s%n",
                    connections, warmup, seconds, Runtime.getRuntime().availableProcessors(), fsync);
            HttpLoad.Result off1 = HttpLoad.run("kv read, audit off", host, port, connections, warmup, seconds,
                    (c, n) -> reads[(int) ((c * 7919L + n) % keys)], s -> s == 200);
            server.call("PUT", "sys/audit/file", enable);
            HttpLoad.Result on = HttpLoad.run("kv read, file audit on", host, port, connections, warmup, seconds,
                    (c, n) -> reads[(int) ((c * 7919L + n) % keys)], s -> s == 200);
            server.call("DELETE", "sys/audit/file", null);
            HttpLoad.Result off2 = HttpLoad.run("kv read, audit off again", host, port, connections, warmup, seconds,
                    (c, n) -> reads[(int) ((c * 7919L + n) % keys)], s -> s == 200);
            double off = (off1.throughput() + off2.throughput()) / 2;
            System.out.println(off1);
            System.out.println(on);
            System.out.println(off2);
            System.out.printf("ratio on/off = %.2f  (target >= 0.80)%n", on.throughput() / off);
            AuditVerifier.Result v = new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(log));
            System.out.printf("audit log: %,d bytes; verify: %s%n", Files.size(log), v.message());
        }
    }
}
