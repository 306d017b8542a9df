package dev.keyhaven.bench.audit;

import dev.keyhaven.core.audit.AuditAuth;
import dev.keyhaven.core.audit.AuditBroker;
import dev.keyhaven.core.audit.AuditEvent;
import dev.keyhaven.core.audit.AuditVerifier;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * In-process audit cost: calls per second through {@link AuditBroker} (request + response entry per call, KV-read
 * shaped) with T threads, for no device, the file device (group commit, no fsync), the file device with fsync, and
 * the store device over in-memory storage. Shows how many callers share one write.
 *
 * <p>Run: {@code java -cp keyhaven-bench/target/keyhaven-bench.jar dev.keyhaven.bench.audit.AuditBrokerThroughput}
 */
public final class AuditBrokerThroughput {
    public static void main(String[] args) throws Exception {
        int threads = Integer.getInteger("threads", 32);
        double seconds = Double.parseDouble(System.getProperty("seconds", "5"));
        Path dir = Files.createTempDirectory("keyhaven-audit-bench");
        System.out.printf("AuditBroker in-process, %d threads, %.0f s per case, %d cores%n", threads, seconds, Runtime.getRuntime().availableProcessors());
        double none = run("no device", null, threads, seconds, dir);
        double file = run("file", Map.of("file_path", dir.resolve("a.log").toString()), threads, seconds, dir);
        double fsync = run("file + fsync", Map.of("file_path", dir.resolve("b.log").toString(), "fsync", "true"), threads, seconds, dir);
        double store = run("store (memory storage)", Map.of(), threads, seconds, dir);
        System.out.printf("file/none = %.2f, file+fsync/none = %.2f, store/none = %.2f%n", file / none, fsync / none, store / none);
        System.out.println("verify a.log: " + new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(dir.resolve("a.log"))).message());
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
        }
        Files.deleteIfExists(dir);
    }

    public static double run(String name, Map<String, String> options, int threads, double seconds, Path dir) throws Exception {
        AuditBroker b = new AuditBroker(new MemoryStorage(), Clock.systemUTC());
        if (options != null) b.enable("dev", options.containsKey("file_path") ? "file" : "store", "", options, false);
        AuditAuth auth = new AuditAuth("bench-token", "bench-accessor", "bench", List.of("default"), Map.of(), "", "service");
        Map<String, Object> data = Map.of("data", Map.of("password", "v-0123456789abcdef", "user", "app"),
                "metadata", Map.of("version", 1, "created_time", "2026-01-01T00:00:00Z"));
        LongAdder calls = new LongAdder();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int tt = t;
            Thread th = new Thread(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    Request r = Request.builder(Operation.READ, "secret/data/bench/k" + ((tt * 7919L + n++) % 1000)).remoteAddress("127.0.0.1:40000").build();
                    r.setMount("secret/", "kv", "kv_bench", r.path().substring(7));
                    AuditEvent ev = AuditEvent.of(r, auth);
                    b.logRequest(ev);
                    b.logResponse(ev, Response.of(data));
                    calls.increment();
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) th.join();
        b.close();
        double rate = calls.sum() / seconds;
        System.out.printf("%-24s %10.0f calls/s%n", name, rate);
        return rate;
    }
}
