package dev.keyhaven.bench.audit;

import dev.keyhaven.core.audit.AuditAuth;
import dev.keyhaven.core.audit.AuditBroker;
import dev.keyhaven.core.audit.AuditEvent;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The audit work of one KV read in one thread, without HTTP, scheduling or other threads: the request and response
 * entries formatted (HMACs included), chained and handed to the device, the way an event loop writes them
 * ({@link AuditBroker#logResponseAsync} with the calling thread as the writer). {@code sink}: {@code none} (no device:
 * the baseline, building the event and response only), {@code discard} (format and chain, write nothing) and
 * {@code file} (a real file in a temporary directory, truncated between iterations). The per-read cost of the audit is
 * {@code sink=file} minus {@code sink=none}. Diagnostics: {@code -p checkpointInterval=1000000} (signed checkpoints
 * all but off: measured 4.69 vs 4.51 µs, so checkpoints cost little) and {@code -p logRaw=true} (no HMACs: 4.73 vs
 * 3.30 µs, so the HMACs of a read's values cost about 1.4 µs).
 *
 * <p>Run: {@code java -jar keyhaven-bench/target/keyhaven-bench.jar AuditEntryBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class AuditEntryBenchmark {
    @Param({"none", "discard", "file"})
    public String sink;

    /** The device's {@code checkpoint_interval} (entries between signed checkpoints; 5000 is the default). */
    @Param({"5000"})
    public String checkpointInterval;

    /** {@code log_raw}: values in clear instead of HMACs (shows what the HMACs cost; never for production). */
    @Param({"false"})
    public String logRaw;

    private AuditBroker broker;
    private Path dir;
    private final AuditAuth auth = new AuditAuth("hvs.bench-token-not-a-secret", "bench-accessor", "token", List.of("app", "default"), Map.of(), "",
            "service");
    private final Map<String, Object> data = Map.of("data", Map.of("password", "v1-0123456789abcdef", "user", "app"),
            "metadata", Map.of("created_time", "2026-11-24T23:23:25.55Z", "custom_metadata", "", "deletion_time", "", "destroyed", false,
                    "version", 1));
    private final Executor here = Runnable::run;
    private long n;

    @Setup(Level.Trial)
    public void open() throws Exception {
        broker = new AuditBroker(new MemoryStorage(), Clock.systemUTC());
        if (!sink.equals("none")) {
            dir = Files.createTempDirectory("kh-audit-jmh");
            broker.enable("bench", "file", "", options(sink.equals("file") ? dir.resolve("audit.log").toString() : "discard"), false);
        }
    }

    /** Keeps the log from growing for the whole run (as logrotate would). */
    @Setup(Level.Iteration)
    public void rotate() throws Exception {
        if (sink.equals("file")) {
            broker.disable("bench");
            Files.deleteIfExists(dir.resolve("audit.log"));
            broker.enable("bench", "file", "", options(dir.resolve("audit.log").toString()), false);
        }
    }

    private Map<String, String> options(String filePath) {
        return Map.of("file_path", filePath, "checkpoint_interval", checkpointInterval, "log_raw", logRaw);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        broker.close();
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("audit.log"));
            Files.deleteIfExists(dir);
        }
    }

    @Benchmark
    public void kvRead(Blackhole bh) {
        Request r = Request.builder(Operation.READ, "secret/data/bench/k" + (n++ % 1000)).remoteAddress("127.0.0.1").build();
        r.setMount("secret/", "kv", "kv_bench", r.path().substring(7));
        AuditEvent ev = AuditEvent.of(r, auth);
        Response resp = Response.of(data);
        if (broker.hasDevices()) {
            broker.deferRequest(ev);
            broker.logResponseAsync(ev, resp, here, bh::consume);
        } else {
            bh.consume(ev);
            bh.consume(resp);
        }
    }
}
