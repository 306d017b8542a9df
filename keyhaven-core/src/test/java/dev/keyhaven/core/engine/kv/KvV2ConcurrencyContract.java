package dev.keyhaven.core.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.storage.PrefixedStorage;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Concurrent check-and-set writers against one secret; runs over every backend through {@link KvV2EngineContract}. */
abstract class KvV2ConcurrencyContract extends KvV2EngineContract {
    static final int THREADS = 16;
    static final int WRITES_PER_THREAD = 1000;

    @Test
    void sixteenThreadsOfCasWritesYieldDenseVersionsWithExactlyOneWinnerEach() throws Exception {
        long rejected = hammer(List.of(engine), THREADS, WRITES_PER_THREAD, false);
        System.out.printf("kv concurrency: %d CAS writes committed, %d rejected as stale%n", (long) THREADS * WRITES_PER_THREAD, rejected);
    }

    /**
     * Two engines over one store stand for two server nodes: their in-process locks do not see each other, so only the
     * store's compare-and-set keeps versions dense. A third party keeps rewriting the secret's metadata meanwhile, which
     * forces writers that already passed the cas check to lose the storage CAS and retry.
     */
    @Test
    void twoNodesOnOneStoreSerializeThroughStorageCompareAndSet() throws Exception {
        KvV2Engine second = new KvV2Engine(new EngineContext("secret/", "kv_test", "kv", Map.of("version", "2"),
                new PrefixedStorage(backing, "logical/x/"), clock));
        hammer(List.of(engine, second), 8, 150, true);
    }

    /** A second node's engine over the same store, and this node's engine over a hookable view of it. */
    private record Pair(KvV2Engine mine, HookedStorage myStorage, KvV2Engine other) {}

    private Pair pair() {
        HookedStorage hooked = new HookedStorage(new PrefixedStorage(backing, "logical/x/"));
        KvV2Engine mine = new KvV2Engine(new EngineContext("secret/", "kv_a", "kv", Map.of("version", "2"), hooked, clock));
        KvV2Engine other = new KvV2Engine(new EngineContext("secret/", "kv_b", "kv", Map.of("version", "2"),
                new PrefixedStorage(backing, "logical/x/"), clock));
        return new Pair(mine, hooked, other);
    }

    private JsonNode writeVia(KvV2Engine node, String rel, String json) {
        return body(node.handle(request(dev.keyhaven.core.logical.Operation.UPDATE, rel, parse(json), "application/json")));
    }

    @Test
    void writerThatLosesTheStorageCasRetriesAsTheNextVersion() {
        Pair p = pair();
        p.myStorage().beforeNextCas(() -> writeVia(p.other(), "data/s", "{\"data\":{\"by\":\"other\"}}"));
        JsonNode mine = writeVia(p.mine(), "data/s", "{\"data\":{\"by\":\"me\"}}");
        assertThat(p.myStorage().failedCas.get()).isEqualTo(1);
        assertThat(mine.get("version").asInt()).isEqualTo(2);
        assertThat(body(read("data/s", "version", "1")).at("/data/by").asText()).isEqualTo("other");
        assertThat(body(read("data/s", "version", "2")).at("/data/by").asText()).isEqualTo("me");
        assertThat(versionRecords()).as("the lost attempt's data record was removed").hasSize(2);
    }

    @Test
    void casWriterThatLosesTheStorageCasIsRejectedAndLeavesNothing() {
        Pair p = pair();
        p.myStorage().beforeNextCas(() -> writeVia(p.other(), "data/s", "{\"data\":{\"by\":\"other\"}}"));
        KeyhavenException e = failure(() -> writeVia(p.mine(), "data/s", "{\"options\":{\"cas\":0},\"data\":{\"by\":\"me\"}}"));
        assertThat(e.errors()).containsExactly("check-and-set parameter did not match the current version");
        assertThat(body(read("metadata/s")).get("current_version").asInt()).isEqualTo(1);
        assertThat(versionRecords()).hasSize(1);
        assertThat(snapshot().values()).noneMatch(v -> v.contains("\"me\""));
    }

    @Test
    void writeRacingAMetadataDeleteStartsAFreshSecret() {
        put("s", "{\"old\":\"1\"}");
        Pair p = pair();
        p.myStorage().beforeNextCas(() -> p.other().handle(request(dev.keyhaven.core.logical.Operation.DELETE, "metadata/s", Map.of(), "")));
        JsonNode mine = writeVia(p.mine(), "data/s", "{\"data\":{\"new\":\"2\"}}");
        assertThat(mine.get("version").asInt()).isEqualTo(1);
        assertThat(body(read("data/s")).get("data")).isEqualTo(json("{\"new\":\"2\"}"));
        assertThat(versionRecords()).hasSize(1);
    }

    @Test
    void patchRebasesOnTheVersionThatWonTheRace() {
        put("s", "{\"a\":\"1\"}");
        Pair p = pair();
        p.myStorage().beforeNextCas(() -> writeVia(p.other(), "data/s", "{\"data\":{\"a\":\"1\",\"b\":\"2\"}}"));
        JsonNode mine = body(p.mine().handle(request(dev.keyhaven.core.logical.Operation.PATCH, "data/s",
                parse("{\"data\":{\"c\":\"3\"}}"), "application/merge-patch+json")));
        assertThat(mine.get("version").asInt()).isEqualTo(3);
        assertThat(body(read("data/s")).get("data")).isEqualTo(json("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}"));
    }

    private long hammer(List<KvV2Engine> nodes, int threads, int writesPerThread, boolean metadataChurn) throws Exception {
        Map<Long, String> winnerOf = new ConcurrentHashMap<>();
        AtomicLong duplicateVersions = new AtomicLong();
        AtomicLong casRejections = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        java.util.concurrent.atomic.AtomicBoolean writersDone = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String writer = "w" + t;
                KvV2Engine node = nodes.get(t % nodes.size());
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int done = 0; done < writesPerThread; ) {
                        long current = currentVersion(node);
                        String id = writer + "-" + done;
                        try {
                            JsonNode r = body(node.handle(request(dev.keyhaven.core.logical.Operation.UPDATE, "data/contended",
                                    parse("{\"options\":{\"cas\":" + current + "},\"data\":{\"writer\":\"" + id + "\"}}"),
                                    "application/json")));
                            long v = r.get("version").asLong();
                            assertThat(v).as("a successful CAS write creates exactly the next version").isEqualTo(current + 1);
                            if (winnerOf.putIfAbsent(v, id) != null) duplicateVersions.incrementAndGet();
                            done++;
                        } catch (KeyhavenException e) {
                            if (e.code() == ErrorCode.UNAVAILABLE) {
                                // Under extreme contention (the metadata churn below on a loaded machine) the engine may
                                // give up after its bounded retries with 503 "please retry"; nothing was written, so the
                                // density and one-winner checks below still cover it. The caller simply retries.
                                assertThat(e.errors()).containsExactly("too many concurrent changes to this secret; please retry");
                                continue;
                            }
                            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
                            assertThat(e.errors()).containsExactly("check-and-set parameter did not match the current version");
                            casRejections.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            Future<?> churn = pool.submit(() -> {
                start.await();
                KvV2Engine node = nodes.get(nodes.size() - 1);
                for (long i = 0; metadataChurn && !writersDone.get(); i++) {
                    try {
                        node.handle(request(dev.keyhaven.core.logical.Operation.UPDATE, "metadata/contended",
                                parse("{\"custom_metadata\":{\"tick\":\"" + i + "\"}}"), "application/json"));
                    } catch (KeyhavenException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE); // bounded retries under contention; try again
                    }
                }
                return null;
            });
            start.countDown();
            try {
                for (Future<?> f : futures) f.get(10, TimeUnit.MINUTES); // a hang guard, not a timing assertion
            } finally {
                writersDone.set(true);
            }
            churn.get(10, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }

        long total = (long) threads * writesPerThread;
        assertThat(duplicateVersions.get()).as("no version was handed to two writers").isZero();
        assertThat(winnerOf.keySet()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
        JsonNode meta = body(read("metadata/contended"));
        assertThat(meta.get("current_version").asLong()).isEqualTo(total);
        assertThat(meta.get("oldest_version").asLong()).isEqualTo(total - 9);
        // Losers left nothing behind: exactly the ten kept versions have data records.
        assertThat(versionRecords()).hasSize(10);
        for (long v = total - 9; v <= total; v++) {
            assertThat(body(read("data/contended", "version", Long.toString(v))).at("/data/writer").asText())
                    .as("version %d holds the data of the caller that was told it won version %d", v, v)
                    .isEqualTo(winnerOf.get(v));
        }
        return casRejections.get();
    }

    private long currentVersion(KvV2Engine node) {
        try {
            return body(node.handle(request(dev.keyhaven.core.logical.Operation.READ, "metadata/contended", Map.of(), "")))
                    .get("current_version").asLong();
        } catch (KeyhavenException e) {
            if (e.code() == ErrorCode.NOT_FOUND) return 0;
            throw e;
        }
    }
}
