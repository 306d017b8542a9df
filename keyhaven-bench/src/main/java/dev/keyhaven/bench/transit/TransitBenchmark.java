package dev.keyhaven.bench.transit;

import dev.keyhaven.bench.http.HttpLoad;
import dev.keyhaven.bench.http.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Transit throughput over real HTTP on loopback: encrypt (aes256-gcm96, 1 KiB plaintext) and sign (ed25519,
 * 256-byte input), each reported as a ratio to {@code sys/health} (the HTTP stack's ceiling) measured in the same
 * run against the same dev server, before and after; an authenticated key read is measured too, to separate the
 * cost of the token check and storage read from the cryptography.
 *
 * <p>Run: {@code ./mvnw -q -B -DskipTests package && java -cp keyhaven-bench/target/keyhaven-bench.jar dev.keyhaven.bench.transit.TransitBenchmark}
 * (options: {@code -Dconnections=32 -Dwarmup=3 -Dseconds=10}).
 */
public final class TransitBenchmark {
    public static void main(String[] args) throws Exception {
        int connections = Integer.getInteger("connections", 32);
        double warmup = Double.parseDouble(System.getProperty("warmup", "3"));
        double seconds = Double.parseDouble(System.getProperty("seconds", "10"));
        try (ServerProcess server = ServerProcess.startDev(List.of())) {
            String host = "127.0.0.1";
            int port = server.port();
            String token = server.token();
            server.call("POST", "sys/mounts/transit", "{\"type\":\"transit\"}");
            server.call("POST", "transit/keys/bench-aes", "{\"type\":\"aes256-gcm96\"}");
            server.call("POST", "transit/keys/bench-ed", "{\"type\":\"ed25519\"}");

            Random rnd = new Random(42);
            int variants = 64;
            byte[][] encrypts = new byte[variants][];
            byte[][] signs = new byte[variants][];
            for (int i = 0; i < variants; i++) {
                byte[] plain = new byte[1024];
                rnd.nextBytes(plain);
                byte[] input = new byte[256];
                rnd.nextBytes(input);
                encrypts[i] = HttpLoad.raw("POST", host, port, "/v1/transit/encrypt/bench-aes", token, "application/json",
                        ("{\"plaintext\":\"" + Base64.getEncoder().encodeToString(plain) + "\"}").getBytes(StandardCharsets.UTF_8));
                signs[i] = HttpLoad.raw("POST", host, port, "/v1/transit/sign/bench-ed", token, "application/json",
                        ("{\"input\":\"" + Base64.getEncoder().encodeToString(input) + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            byte[] health = HttpLoad.get(host, port, "/v1/sys/health", null);
            byte[] keyRead = HttpLoad.get(host, port, "/v1/transit/keys/bench-aes", token);

            System.out.printf("Transit over HTTP, %d connections, %.0f s warm-up + %.0f s per phase, %d cores%n",
                    connections, warmup, seconds, Runtime.getRuntime().availableProcessors());
            HttpLoad.Result h = HttpLoad.run("sys/health (ceiling)", host, port, connections, warmup, seconds, (c, n) -> health, s -> s == 200);
            HttpLoad.Result base = HttpLoad.run("read key (authenticated)", host, port, connections, warmup, seconds,
                    (c, n) -> keyRead, s -> s == 200);
            HttpLoad.Result enc = HttpLoad.run("encrypt aes256-gcm96 1KiB", host, port, connections, warmup, seconds,
                    (c, n) -> encrypts[(int) ((c * 31L + n) % variants)], s -> s == 200);
            HttpLoad.Result sig = HttpLoad.run("sign ed25519", host, port, connections, warmup, seconds,
                    (c, n) -> signs[(int) ((c * 31L + n) % variants)], s -> s == 200);
            HttpLoad.Result h2 = HttpLoad.run("sys/health (again)", host, port, connections, warmup, seconds, (c, n) -> health, s -> s == 200);
            double ceiling = (h.throughput() + h2.throughput()) / 2;
            System.out.println(h);
            System.out.println(base);
            System.out.println(enc);
            System.out.println(sig);
            System.out.println(h2);
            System.out.printf("ratio key-read/health = %.2f  (an authenticated transit read: token check + one barrier read)%n", base.throughput() / ceiling);
            System.out.printf("ratio encrypt/health = %.2f  (absolute %.0f encrypts/s)%n", enc.throughput() / ceiling, enc.throughput());
            System.out.printf("ratio sign/health    = %.2f  (absolute %.0f signs/s)%n", sig.throughput() / ceiling, sig.throughput());
            if (enc.errors() > 0 || sig.errors() > 0) System.out.println("WARNING: non-200 responses were counted as errors; see the server log in " + server.dataDir() + " (run with -Dkeep.server.data=true to keep it)");
        }
    }
}
