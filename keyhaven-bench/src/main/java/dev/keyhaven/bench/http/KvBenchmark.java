package dev.keyhaven.bench.http;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * KV v2 read and write throughput and latency over real HTTP on loopback, 32 connections, each reported as a
 * ratio to {@code sys/health} (the HTTP stack's ceiling) measured in the same run against the same server.
 *
 * <p>Run: {@code ./mvnw -q -B -DskipTests package && java -cp keyhaven-bench/target/keyhaven-bench.jar dev.keyhaven.bench.http.KvBenchmark}
 * (system properties {@code connections}, {@code warmup}, {@code seconds})
 */
public final class KvBenchmark {
    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("connections", 32);
        double warmup = Double.parseDouble(System.getProperty("warmup", "6")); // JIT warm-up: shorter runs understate reads
        double seconds = Double.parseDouble(System.getProperty("seconds", "10"));
        try (ServerProcess server = ServerProcess.startDev(List.of())) {
            String host = "127.0.0.1";
            int port = server.port();
            String token = server.token();
            int keys = 1000;
            for (int i = 0; i < keys; i++) {
                server.call("POST", "secret/data/bench/k" + i, "{\"data\":{\"password\":\"v" + i + "-0123456789abcdef\",\"user\":\"app\"}}");
            }
            byte[] health = HttpLoad.get(host, port, "/v1/sys/health", null);
            byte[][] reads = new byte[keys][];
            for (int i = 0; i < keys; i++) reads[i] = HttpLoad.get(host, port, "/v1/secret/data/bench/k" + i, token);

            System.out.printf("KV v2 over HTTP, %d connections, %.0f s warm-up + %.0f s per phase, %d cores%n",
                    connections, warmup, seconds, Runtime.getRuntime().availableProcessors());
            HttpLoad.RequestSource healthReq = (c, n) -> health;
            HttpLoad.RequestSource readReq = (c, n) -> reads[(int) ((c * 7919L + n) % keys)];
            HttpLoad.RequestSource writeReq = (c, n) -> HttpLoad.raw("POST", host, port, "/v1/secret/data/bench/w" + c + "-" + (n % 50), token,
                    "application/json", ("{\"data\":{\"password\":\"p" + n + "\"}}").getBytes(StandardCharsets.UTF_8));
            // Warm every path first (JIT), so that no phase is measured while the server is still compiling it.
            HttpLoad.run("warm-up", host, port, connections, warmup, 0, healthReq, s -> true);
            HttpLoad.run("warm-up", host, port, connections, warmup, 0, readReq, s -> true);
            HttpLoad.run("warm-up", host, port, connections, warmup, 0, writeReq, s -> true);
            HttpLoad.Result h = HttpLoad.run("sys/health (ceiling)", host, port, connections, 1, seconds, healthReq, s -> s == 200);
            HttpLoad.Result r = HttpLoad.run("kv v2 read", host, port, connections, 1, seconds, readReq, s -> s == 200);
            HttpLoad.Result w = HttpLoad.run("kv v2 write", host, port, connections, 1, seconds, writeReq, s -> s == 200);
            HttpLoad.Result h2 = HttpLoad.run("sys/health (again)", host, port, connections, 1, seconds, healthReq, s -> s == 200);
            double ceiling = (h.throughput() + h2.throughput()) / 2;
            System.out.println(h);
            System.out.println(r);
            System.out.println(w);
            System.out.println(h2);
            System.out.printf("ratio read/health  = %.2f  (target >= 0.70)%n", r.throughput() / ceiling);
            System.out.printf("ratio write/health = %.2f  (absolute %.0f writes/s, target >= 2000/s)%n", w.throughput() / ceiling, w.throughput());
        }
    }
}
