package dev.keyhaven.core.audit;

import static dev.keyhaven.core.audit.AuditFixtures.auth;
import static dev.keyhaven.core.audit.AuditFixtures.canary;
import static dev.keyhaven.core.audit.AuditFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditBrokerTest {
    @TempDir
    Path dir;
    final MemoryStorage storage = new MemoryStorage();
    final List<AuditBroker> brokers = new ArrayList<>();

    AuditBroker broker() {
        AuditBroker b = new AuditBroker(storage, Clock.systemUTC());
        brokers.add(b);
        return b;
    }

    @AfterEach
    void close() {
        brokers.forEach(AuditBroker::close);
    }

    static List<Map<String, Object>> entries(Path file) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) if (!l.isEmpty()) out.add(Json.parseObject(l.getBytes(StandardCharsets.UTF_8)));
        return out;
    }

    @SuppressWarnings("unchecked")
    /** Each entry of a log but its checkpoints as {@code "<type> <request path>"}. */
    static List<String> typesAndPaths(Path log) throws Exception {
        return entries(log).stream().filter(e -> !"checkpoint".equals(e.get("type")))
                .map(e -> e.get("type") + " " + map(e.get("request")).get("path")).toList();
    }

    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    @SuppressWarnings("unchecked")
    void requestAndResponseEntriesHaveVaultLayoutAndHmacEveryString() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("audit.log");
        b.enable("file", "file", "test", Map.of("file_path", log.toString()), false);
        String token = canary("token");
        String accessor = canary("accessor");
        String secret = canary("password");
        String nested = canary("nested");
        Map<String, Object> data = Map.of("data", Map.of("password", secret, "list", List.of(nested, 7, true)), "options", Map.of("cas", 0));
        AuditEvent ev = AuditEvent.of(request(Operation.UPDATE, "secret/data/app", data, token), auth(token, accessor));
        b.logRequest(ev);
        b.logResponse(ev, Response.of(Map.of("version", 3, "note", secret)));

        List<Map<String, Object>> es = entries(log);
        assertThat(es).hasSize(2);
        Map<String, Object> req = es.get(0);
        assertThat(req.keySet()).startsWith("time", "type");
        assertThat(req.get("type")).isEqualTo("request");
        assertThat(req.get("seq")).isEqualTo(1);
        assertThat(req.get("prev")).isEqualTo(AuditChain.GENESIS);
        Map<String, Object> a = map(req.get("auth"));
        String h = b.hash("file", token);
        assertThat(a.get("client_token")).isEqualTo(h);
        assertThat(a.get("accessor")).isEqualTo(b.hash("file", accessor));
        assertThat(a).containsEntry("display_name", "token-app").containsEntry("policies", List.of("default", "app"))
                .containsEntry("entity_id", "ent-1").containsEntry("metadata", Map.of("team", "payments"));
        Map<String, Object> r = map(req.get("request"));
        assertThat(r).containsEntry("operation", "update").containsEntry("path", "secret/data/app")
                .containsEntry("client_token", h).containsEntry("client_token_accessor", b.hash("file", accessor))
                .containsEntry("remote_address", "10.1.2.3").containsEntry("remote_port", 45678)
                .containsEntry("mount_type", "kv").containsEntry("mount_accessor", "kv_1234abcd").containsEntry("mount_point", "secret/")
                .containsEntry("namespace", Map.of("id", "root"));
        Map<String, Object> rd = map(map(r.get("data")).get("data"));
        assertThat(rd.get("password")).isEqualTo(b.hash("file", secret));
        assertThat((List<Object>) rd.get("list")).containsExactly(b.hash("file", nested), 7, true);
        assertThat(map(map(r.get("data")).get("options"))).containsEntry("cas", 0);
        assertThat((String) rd.get("password")).matches("hmac-sha256:[0-9a-f]{64}");

        Map<String, Object> resp = es.get(1);
        assertThat(resp.get("type")).isEqualTo("response");
        assertThat(map(resp.get("request")).get("id")).isEqualTo(r.get("id"));
        assertThat(map(map(resp.get("response")).get("data"))).containsEntry("version", 3).containsEntry("note", b.hash("file", secret));
        assertThat(resp.get("seq")).isEqualTo(2);
        assertThat(resp.get("prev")).isEqualTo(AuditChain.sha256Hex(Files.readAllLines(log).get(0).getBytes(StandardCharsets.UTF_8)));
        assertThat(Files.readString(log)).doesNotContain(token, accessor, secret, nested);
    }

    @Test
    void logRawWritesClearValuesAndHmacAccessorFalseKeepsAccessorClear() throws Exception {
        AuditBroker b = broker();
        Path raw = dir.resolve("raw.log");
        Path acc = dir.resolve("acc.log");
        b.enable("raw", "file", "", Map.of("file_path", raw.toString(), "log_raw", "true"), false);
        b.enable("acc", "file", "", Map.of("file_path", acc.toString(), "hmac_accessor", "false", "prefix", "@cee: "), false);
        String token = canary("token");
        String accessor = canary("accessor");
        String secret = canary("secret");
        AuditEvent ev = AuditEvent.of(request(Operation.UPDATE, "secret/data/x", Map.of("v", secret), token), auth(token, accessor));
        b.logRequest(ev);
        String rawText = Files.readString(raw);
        assertThat(rawText).contains(token, accessor, secret);
        String accText = Files.readString(acc);
        assertThat(accText).startsWith("@cee: {").contains("\"accessor\":\"" + accessor + "\"").doesNotContain(token, secret);
        assertThat(new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(acc)).ok()).isTrue();
    }

    @Test
    void elideListResponsesLogsOnlyTheNumberOfKeys() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("l.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "elide_list_responses", "true"), false);
        AuditEvent ev = AuditEvent.of(request(Operation.LIST, "secret/metadata/", Map.of(), null), AuditAuth.NONE);
        b.logResponse(ev, Response.of(Map.of("keys", List.of("a", "b", "c"))));
        assertThat(map(map(entries(log).get(0).get("response")).get("data"))).containsEntry("keys", 3);
    }

    @Test
    void errorsAreLoggedInTheErrorField() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("a.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/nope", Map.of(), null), AuditAuth.NONE);
        b.logRequest(ev, KeyhavenException.permissionDenied());
        b.logResponse(ev, KeyhavenException.permissionDenied());
        assertThat(entries(log).get(0).get("error")).isEqualTo("permission denied");
        Map<String, Object> resp = entries(log).get(1);
        assertThat(resp.get("error")).isEqualTo("permission denied");
        assertThat(resp).doesNotContainKey("auth");
    }

    @Test
    void withoutDevicesRequestsProceed() {
        AuditBroker b = broker();
        assertThat(b.hasDevices()).isFalse();
        b.logRequest(AuditEvent.of(request(Operation.READ, "secret/data/a", Map.of(), null), AuditAuth.NONE));
    }

    @Test
    void unwritableDeviceFailsClosedWith503AndCountsTheFailure() throws Exception {
        AuditBroker b = broker();
        b.enable("full", "file", "", Map.of("file_path", "/dev/full", "mode", "0000"), false);
        AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/a", Map.of(), canary("t")), AuditAuth.NONE);
        assertThatThrownBy(() -> b.logRequest(ev)).isInstanceOfSatisfying(KeyhavenException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.code().httpStatus()).isEqualTo(503);
            assertThat(e.errors()).containsExactly("no audit backend succeeded in logging the request");
        });
        assertThatThrownBy(() -> b.logResponse(ev, Response.of(Map.of("k", "v"))))
                .hasMessage("no audit backend succeeded in logging the response");
        assertThat(b.metrics()).containsEntry("audit.log_request_failure", 1L).containsEntry("audit.log_response_failure", 1L)
                .containsEntry("audit.device.full/failures", 2L);

        // a second, healthy device is enough
        Path ok = dir.resolve("ok.log");
        b.enable("ok", "file", "", Map.of("file_path", ok.toString()), false);
        b.logRequest(ev);
        assertThat(entries(ok)).hasSize(1);
    }

    @Test
    void fileThatBecomesUnwritableAfterReopenFailsClosedAndHealsWhenWritableAgain() throws Exception {
        AuditBroker b = broker();
        Path sub = Files.createDirectories(dir.resolve("logs"));
        Path log = sub.resolve("audit.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/a", Map.of(), null), AuditAuth.NONE);
        b.logRequest(ev);
        // logrotate moves the directory away and something that is not a directory takes its place
        Files.move(sub, dir.resolve("logs.old"));
        Files.writeString(dir.resolve("logs"), "not a directory");
        b.reopen();
        assertThatThrownBy(() -> b.logRequest(ev)).isInstanceOf(KeyhavenException.class)
                .extracting(e -> ((KeyhavenException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE);
        Files.delete(dir.resolve("logs"));
        Files.createDirectories(sub);
        b.logRequest(ev); // reopened on the next write
        AuditVerifier.Result r = new AuditVerifier(Optional.empty(), Optional.empty())
                .verifyFiles(List.of(dir.resolve("logs.old/audit.log"), log));
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(r.entries()).isEqualTo(2);
    }

    @Test
    void enableValidatesLikeVault() {
        AuditBroker b = broker();
        assertThatThrownBy(() -> b.enable("x", "syslog", "", Map.of(), false)).hasMessage("unknown backend type: \"syslog\"");
        assertThatThrownBy(() -> b.enable("x", "file", "", Map.of(), false)).hasMessage("\"file_path\" is required");
        assertThatThrownBy(() -> b.enable("x", "file", "", Map.of("file_path", "stdout", "bogus", "1"), false))
                .hasMessageContaining("unknown option \"bogus\"");
        assertThatThrownBy(() -> b.enable("x", "file", "", Map.of("file_path", "stdout", "log_raw", "maybe"), false))
                .hasMessageContaining("log_raw");
        assertThatThrownBy(() -> b.enable("x", "file", "", Map.of("file_path", "stdout", "format", "jsonx"), false))
                .hasMessageContaining("jsonx");
        b.enable("a/b", "file", "", Map.of("file_path", "discard"), false);
        assertThatThrownBy(() -> b.enable("a", "file", "", Map.of("file_path", "discard"), false)).hasMessage("path already in use");
        assertThatThrownBy(() -> b.enable("a/b/c", "file", "", Map.of("file_path", "discard"), false)).hasMessage("path already in use");
        assertThatThrownBy(() -> b.enable("/", "file", "", Map.of("file_path", "discard"), false)).hasMessage("backend path must be specified");
        Path shared = dir.resolve("shared.log");
        b.enable("one", "file", "", Map.of("file_path", shared.toString()), false);
        assertThatThrownBy(() -> b.enable("two", "file", "", Map.of("file_path", shared.toString()), false))
                .hasMessageContaining("is already used by audit device \"one/\"");
        assertThat(b.disable("nope")).isFalse();
        assertThat(b.disable("a/b")).isTrue();
        assertThatThrownBy(() -> b.hash("a/b", "x")).hasMessage("unknown audit backend \"a/b/\"");
    }

    @Test
    void fileModeIsApplied() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("m.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "mode", "0640"), false);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-r-----");
    }

    @Test
    void devicesSurviveRestartAndTheChainContinues() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("a.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        b.enable("store", "store", "", Map.of(), false);
        String salted = b.hash("file", "value");
        AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/a", Map.of(), null), AuditAuth.NONE);
        b.logRequest(ev);
        b.close();
        AuditBroker b2 = broker();
        assertThat(b2.list()).extracting(DeviceConfig::path).containsExactly("file/", "store/");
        assertThat(b2.hash("file", "value")).isEqualTo(salted);
        b2.logRequest(ev);
        b2.close();
        AuditVerifier.Result r = new AuditVerifier(Optional.of(CheckpointSigner.parsePublicKey(b2.publicKeyPem())), Optional.empty())
                .verifyFiles(List.of(log));
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(r.entries()).isEqualTo(4); // request, checkpoint at close, request, checkpoint at close
        assertThat(r.checkpoints()).isEqualTo(2);
        AuditBroker b3 = broker();
        assertThat(b3.verifyStore("store").message()).startsWith("ok: 4 entries, chain intact");
    }

    @Test
    void checkpointsAreSignedAndVerifiedWithTheExportedKey() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("a.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "checkpoint_interval", "10"), false);
        for (int i = 0; i < 25; i++) b.logRequest(AuditEvent.of(request(Operation.READ, "secret/data/" + i, Map.of(), null), AuditAuth.NONE));
        List<Map<String, Object>> es = entries(log);
        assertThat(es.get(10).get("type")).isEqualTo("checkpoint");
        assertThat(es.get(10).get("seq")).isEqualTo(11);
        assertThat(map(es.get(10).get("checkpoint"))).containsEntry("algorithm", "Ed25519").containsEntry("key_id", b.keyId());
        var key = CheckpointSigner.parsePublicKey(b.publicKeyPem());
        AuditVerifier.Result r = new AuditVerifier(Optional.of(key), Optional.empty()).verifyFiles(List.of(log));
        assertThat(r.ok()).isTrue();
        assertThat(r.message()).isEqualTo("ok: 27 entries, chain intact; 2 checkpoint signatures verified; the last 5 entries follow the last checkpoint (chained, not yet signed)");
        var other = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        AuditVerifier.Result bad = new AuditVerifier(Optional.of(other), Optional.empty()).verifyFiles(List.of(log));
        assertThat(bad.ok()).isFalse();
        assertThat(bad.problemSeq()).isEqualTo(11);
        assertThat(bad.message()).contains("checkpoint signature invalid");
    }

    @Test
    void concurrentRequestsShareWritesAndKeepOneGaplessChain() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("a.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        b.enable("store", "store", "", Map.of(), false);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int tt = t;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/t" + tt + "/" + i, Map.of(), null), AuditAuth.NONE);
                    b.logRequest(ev);
                    b.logResponse(ev, Response.of(Map.of("v", "x")));
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        List<Map<String, Object>> es = entries(log);
        long reqs = es.stream().filter(e -> "request".equals(e.get("type"))).count();
        long resps = es.stream().filter(e -> "response".equals(e.get("type"))).count();
        assertThat(reqs).isEqualTo(1600);
        assertThat(resps).isEqualTo(1600);
        // each call's request entry precedes its response entry
        Map<Object, Integer> reqPos = new java.util.HashMap<>();
        for (int i = 0; i < es.size(); i++) {
            Map<String, Object> e = es.get(i);
            if (!"request".equals(e.get("type")) && !"response".equals(e.get("type"))) continue;
            Object id = map(e.get("request")).get("id");
            if ("request".equals(e.get("type"))) reqPos.put(id, i);
            else assertThat(reqPos.get(id)).isNotNull().isLessThan(i);
        }
        AuditVerifier.Result r = new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(log));
        assertThat(r.ok()).as(r.message()).isTrue();
        assertThat(b.verifyStore("store").ok()).isTrue();
    }

    /** Logs a read asynchronously (request entry deferred) with {@code writeOn}; the outcome lands in {@code seen}. */
    static void readAsync(AuditBroker b, String path, java.util.concurrent.Executor writeOn, java.util.concurrent.CompletableFuture<String> seen) {
        AuditEvent ev = AuditEvent.of(request(Operation.READ, path, Map.of(), null), AuditAuth.NONE);
        b.deferRequest(ev);
        b.logResponseAsync(ev, Response.of(Map.of("v", "x")), writeOn, failure -> {
            if (failure == null) seen.complete(Thread.currentThread().getName());
            else seen.completeExceptionally(failure);
        });
    }

    /**
     * A broker with one plain file device, once its writer thread is parked: a writer still running (just started)
     * would take queued entries itself, a parked one writes only when woken.
     */
    AuditBroker brokerWithParkedWriter(Path log) throws InterruptedException {
        AuditBroker b = broker();
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!b.writerWaiting()) {
            assertThat(System.nanoTime()).as("the writer thread parks when there is nothing to write").isLessThan(deadline);
            Thread.sleep(5);
        }
        return b;
    }

    static ExecutorService loop(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    @Test
    void asyncEntriesForAPlainFileAreWrittenOnTheCallersExecutorAndEverythingElseByTheWriter() throws Exception {
        Path log = dir.resolve("plain.log");
        AuditBroker b = brokerWithParkedWriter(log);
        ExecutorService loop = loop("test-loop");
        try {
            var onLoop = new java.util.concurrent.CompletableFuture<String>();
            readAsync(b, "secret/data/a", loop, onLoop);
            assertThat(onLoop.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("test-loop");
            // the loop's drain looks at the queue again after its batch and would take the next entry too: let it end
            loop.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS);

            // an executor that refuses (an event loop shutting down): the writer thread takes over
            var refused = new java.util.concurrent.CompletableFuture<String>();
            readAsync(b, "secret/data/b", r -> {
                throw new java.util.concurrent.RejectedExecutionException("shutting down");
            }, refused);
            assertThat(refused.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("audit-writer");

            // fsync can take milliseconds: never on the caller's executor, even next to a plain file
            b.enable("synced", "file", "", Map.of("file_path", dir.resolve("synced.log").toString(), "fsync", "true"), false);
            var synced = new java.util.concurrent.CompletableFuture<String>();
            readAsync(b, "secret/data/c", loop, synced);
            assertThat(synced.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("audit-writer");
        } finally {
            loop.shutdownNow();
        }
        assertThat(typesAndPaths(log)).containsExactly(
                "request secret/data/a", "response secret/data/a", "request secret/data/b", "response secret/data/b",
                "request secret/data/c", "response secret/data/c");
    }

    @Test
    void aDrainThatRunsAfterAnFsyncDeviceWasEnabledLeavesTheEntriesToTheWriter() throws Exception {
        Path log = dir.resolve("late.log");
        AuditBroker b = brokerWithParkedWriter(log);
        List<Runnable> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();
        var seen = new java.util.concurrent.CompletableFuture<String>();
        readAsync(b, "secret/data/late", tasks::add, seen); // queued for the loop, whose task has not run yet
        assertThat(tasks).hasSize(1);
        b.enable("synced", "file", "", Map.of("file_path", dir.resolve("late-synced.log").toString(), "fsync", "true"), false);
        ExecutorService loop = loop("test-loop");
        try {
            loop.submit(tasks.get(0)).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(seen.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("audit-writer");
        } finally {
            loop.shutdownNow();
        }
        assertThat(entries(log)).extracting(e -> e.get("type")).containsExactly("request", "response");
        assertThat(entries(dir.resolve("late-synced.log"))).extracting(e -> e.get("type")).containsExactly("request", "response");
    }

    @Test
    void asyncEntriesMeetingAnotherHolderOfTheLockAreWrittenByTheWriterOnceItIsFree() throws Exception {
        Path log = dir.resolve("held.log");
        AuditBroker b = brokerWithParkedWriter(log);
        ExecutorService loop = loop("test-loop");
        var seen = new java.util.concurrent.CompletableFuture<String>();
        b.commitLock.lock(); // as enable, disable or a checkpoint would, which do not look at the queue afterwards
        try {
            readAsync(b, "secret/data/held", loop, seen);
            loop.submit(() -> { }).get(10, java.util.concurrent.TimeUnit.SECONDS); // the loop's drain has run and given up
            assertThat(seen).isNotDone(); // nothing is answered before it is written
        } finally {
            b.commitLock.unlock();
        }
        try {
            assertThat(seen.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("audit-writer");
        } finally {
            loop.shutdownNow();
        }
        assertThat(entries(log)).extracting(e -> e.get("type")).containsExactly("request", "response");
    }

    @Test
    void anEntryQueuedWhileADrainIsScheduledIsWrittenByThatDrainWithoutATaskOfItsOwn() throws Exception {
        Path log = dir.resolve("one-drain.log");
        AuditBroker b = brokerWithParkedWriter(log);
        List<Runnable> firstLoop = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Runnable> secondLoop = new java.util.concurrent.CopyOnWriteArrayList<>();
        var one = new java.util.concurrent.CompletableFuture<String>();
        var two = new java.util.concurrent.CompletableFuture<String>();
        readAsync(b, "secret/data/one", firstLoop::add, one);
        readAsync(b, "secret/data/two", secondLoop::add, two); // another connection's event loop
        assertThat(firstLoop).hasSize(1);
        assertThat(secondLoop).as("the second loop is not woken just to find the drain under way").isEmpty();
        ExecutorService loop = loop("test-loop");
        try {
            loop.submit(firstLoop.get(0)).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(one.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("test-loop");
            assertThat(two.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("test-loop");
            // once that drain has ended, the next entry schedules one again, on its own loop
            var three = new java.util.concurrent.CompletableFuture<String>();
            readAsync(b, "secret/data/three", secondLoop::add, three);
            assertThat(secondLoop).hasSize(1);
            assertThat(three).isNotDone();
            loop.submit(secondLoop.get(0)).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(three.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("test-loop");
        } finally {
            loop.shutdownNow();
        }
        assertThat(typesAndPaths(log)).containsExactly(
                "request secret/data/one", "response secret/data/one", "request secret/data/two", "response secret/data/two",
                "request secret/data/three", "response secret/data/three");
    }

    @Test
    void aDrainWritesABoundedNumberOfBatchesAndThenLeavesTheRestToTheWriter() throws Exception {
        Path log = dir.resolve("bounded.log");
        AuditBroker b = brokerWithParkedWriter(log);
        ExecutorService loop = loop("test-loop");
        int reads = 40;
        List<String> answeredOn = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(reads);
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        Runnable[] next = new Runnable[1];
        // every answer queues the next read while the drain is still running, as other connections would
        next[0] = () -> {
            int i = n.incrementAndGet();
            if (i > reads) return;
            AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/r" + i, Map.of(), null), AuditAuth.NONE);
            b.deferRequest(ev);
            b.logResponseAsync(ev, Response.of(Map.of("v", "x")), loop, failure -> {
                answeredOn.add(failure == null ? Thread.currentThread().getName() : "failed");
                all.countDown();
                next[0].run();
            });
        };
        try {
            next[0].run();
            assertThat(all.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            loop.shutdownNow();
        }
        assertThat(answeredOn).doesNotContain("failed");
        assertThat(answeredOn.get(0)).isEqualTo("test-loop");
        assertThat(answeredOn.indexOf("audit-writer")).as("the writer takes over after at most 16 batches of one drain")
                .isBetween(1, 16);
        List<Object> paths = entries(log).stream().filter(e -> !"checkpoint".equals(e.get("type")))
                .map(e -> map(e.get("request")).get("path")).toList();
        assertThat(paths).hasSize(2 * reads);
        for (int i = 1; i <= reads; i++) assertThat(paths.get(2 * i - 1)).isEqualTo("secret/data/r" + i);
    }

    @Test
    void concurrentAsyncAndWaitingCallersOnTwoLoopsLoseNothingAndKeepOneChain() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("mixed.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString(), "checkpoint_interval", "97"), false);
        ExecutorService[] loops = {loop("test-loop-1"), loop("test-loop-2")};
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<java.util.concurrent.CompletableFuture<String>> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                final int tt = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        if (tt == 5 && i % 3 == 0) {
                            // a write: logged and waited for before it runs
                            AuditEvent ev = AuditEvent.of(request(Operation.UPDATE, "secret/data/w/" + i, Map.of(), null), AuditAuth.NONE);
                            b.logRequest(ev);
                            b.logResponse(ev, Response.of(Map.of()));
                        } else {
                            var seen = new java.util.concurrent.CompletableFuture<String>();
                            outcomes.add(seen);
                            readAsync(b, "secret/data/t" + tt + "/" + i, loops[(tt + i) % 2], seen);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            for (var o : outcomes) o.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
            for (ExecutorService l : loops) l.shutdownNow();
        }
        List<Map<String, Object>> es = entries(log).stream().filter(e -> !"checkpoint".equals(e.get("type"))).toList();
        assertThat(outcomes).hasSize(1700);
        assertThat(es).hasSize(2 * 1800);
        // a read's deferred request entry sits right before its response entry; a write's request comes first
        for (int i = 0; i < es.size(); i++) {
            Map<String, Object> e = es.get(i);
            if (!"request".equals(e.get("type"))) continue;
            Object id = map(e.get("request")).get("id");
            boolean read = "read".equals(map(e.get("request")).get("operation"));
            if (read) assertThat(map(es.get(i + 1).get("request")).get("id")).isEqualTo(id);
            assertThat(es.subList(i + 1, es.size())).anySatisfy(r -> {
                assertThat(r.get("type")).isEqualTo("response");
                assertThat(map(r.get("request")).get("id")).isEqualTo(id);
            });
        }
        AuditVerifier.Result r = new AuditVerifier(Optional.of(CheckpointSigner.parsePublicKey(b.publicKeyPem())), Optional.empty()).verifyFiles(List.of(log));
        assertThat(r.ok()).as(r.message()).isTrue();
    }

    @Test
    void reopenAfterLogrotateContinuesTheChainInTheNewFile() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("a.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/a", Map.of(), null), AuditAuth.NONE);
        b.logRequest(ev);
        b.logRequest(ev);
        Files.move(log, dir.resolve("a.log.1"));
        AuditBroker.reopenAll(); // what the SIGHUP handler calls
        b.logRequest(ev);
        List<String> fresh = Files.readAllLines(log);
        assertThat(fresh.get(0)).contains("\"type\":\"chain_anchor\"").contains("\"first_seq\":3").contains("\"reason\":\"reopen\"");
        var key = Optional.of(CheckpointSigner.parsePublicKey(b.publicKeyPem()));
        assertThat(new AuditVerifier(key, Optional.empty()).verifyFiles(List.of(dir.resolve("a.log.1"), log)).ok()).isTrue();
        AuditVerifier.Result alone = new AuditVerifier(key, Optional.empty()).verifyFiles(List.of(log));
        assertThat(alone.message()).startsWith("ok: 1 entries, chain intact (entries 3..3");
        // out of order files are caught
        AuditVerifier.Result swapped = new AuditVerifier(key, Optional.empty()).verifyFiles(List.of(log, dir.resolve("a.log.1")));
        assertThat(swapped.ok()).isFalse();
    }

    @Test
    void storeQueryFindsWhoReadWhatWhenAndFromWhere() {
        AuditBroker b = broker();
        b.enable("store", "store", "", Map.of(), false);
        String accA = canary("acc");
        String accB = canary("acc");
        for (int i = 0; i < 3; i++) {
            AuditEvent ev = AuditEvent.of(request(Operation.READ, "secret/data/app/db" + i, Map.of(), null), auth(canary("t"), accA));
            b.logRequest(ev);
            b.logResponse(ev, Response.of(Map.of("data", Map.of("pw", "x"))));
        }
        AuditEvent w = AuditEvent.of(request(Operation.UPDATE, "secret/data/app/db0", Map.of("pw", "y"), null), auth(canary("t"), accB));
        b.logRequest(w);
        b.logResponse(w, Response.empty());
        AuditEvent other = AuditEvent.of(request(Operation.READ, "secret/data/other", Map.of(), null), auth(canary("t"), accA));
        b.logRequest(other);
        b.logResponse(other, Response.empty());

        List<Map<String, Object>> rows = b.query("store", new AuditQuery(Optional.of("secret/data/app/*"), Optional.of(Instant.now().minusSeconds(3600)),
                Optional.empty(), Optional.of(accA), Optional.of("read"), "response", 100));
        assertThat(rows).extracting(r -> r.get("path")).containsExactly("secret/data/app/db0", "secret/data/app/db1", "secret/data/app/db2");
        assertThat(rows.get(0)).containsEntry("remote_address", "10.1.2.3").containsEntry("display_name", "token-app")
                .containsEntry("operation", "read").containsEntry("accessor", b.hash("store", accA));
        assertThat(b.query("store", new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(accB), Optional.empty(), "all", 100)))
                .hasSize(2);
        assertThat(b.query("store", new AuditQuery(Optional.empty(), Optional.of(Instant.now().plusSeconds(60)), Optional.empty(), Optional.empty(),
                Optional.empty(), "all", 100))).isEmpty();
        assertThat(b.query("store", new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), "all", 3)))
                .extracting(r -> r.get("path")).containsExactly("secret/data/app/db0", "secret/data/other", "secret/data/other");
    }

    @Test
    void canaryValuesAppearNowhereInTheFileOrTheStore() throws Exception {
        AuditBroker b = broker();
        Path log = dir.resolve("a.log");
        b.enable("file", "file", "", Map.of("file_path", log.toString()), false);
        b.enable("store", "store", "", Map.of(), false);
        List<String> canaries = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String token = canary("token");
            String accessor = canary("accessor");
            String pw = canary("pw");
            String issued = canary("issued");
            canaries.addAll(List.of(token, accessor, pw, issued));
            AuditEvent ev = AuditEvent.of(request(Operation.UPDATE, "auth/userpass/login/u" + i, Map.of("password", pw), token), auth(token, accessor));
            b.logRequest(ev);
            b.logResponse(ev, Response.empty().auth(Map.of("client_token", issued, "accessor", accessor, "policies", List.of("default"))));
        }
        String text = Files.readString(log);
        StringBuilder store = new StringBuilder();
        for (AuditDevice.Line l : b.lines("store", 0, 10_000)) store.append(new String(l.bytes(), StandardCharsets.UTF_8)).append('\n');
        for (String c : canaries) {
            assertThat(text).doesNotContain(c);
            assertThat(store.toString()).doesNotContain(c);
        }
        assertThat(text).contains(b.hash("file", canaries.get(3))); // the issued token is findable via audit-hash
    }

    @Test
    void engineListsEnablesAndDisablesWithVaultShapes() {
        AuditBroker b = broker();
        AuditEngine e = new AuditEngine(b);
        // node-vault's enableAudit sends every argument, including "name", as the body
        Request put = Request.builder(Operation.UPDATE, "sys/audit/file").data(Map.of("name", "file", "type", "file",
                "description", "d", "options", Map.of("file_path", dir.resolve("x.log").toString()))).build();
        put.setMount("sys/", "system", "system_1", "audit/file");
        assertThat(e.handle(put).status()).isEqualTo(204);
        Request get = Request.builder(Operation.READ, "sys/audit").build();
        get.setMount("sys/", "system", "system_1", "audit");
        Response list = e.handle(get);
        assertThat(list.status()).isEqualTo(200);
        Map<String, Object> info = Map.of("type", "file", "description", "d", "options", Map.of("file_path", dir.resolve("x.log").toString()),
                "local", false, "path", "file/");
        assertThat(list.raw()).containsEntry("file/", info);
        assertThat(map(list.raw().get("data"))).containsEntry("file/", info);

        Request badOpts = Request.builder(Operation.UPDATE, "sys/audit/y").data(Map.of("type", "file", "options", Map.of("file_path", 5))).build();
        badOpts.setMount("sys/", "system", "system_1", "audit/y");
        assertThatThrownBy(() -> e.handle(badOpts)).hasMessage("options must be string valued");

        Request hash = Request.builder(Operation.UPDATE, "sys/audit-hash/file").data(Map.of("input", "abc")).build();
        hash.setMount("sys/", "system", "system_1", "audit-hash/file");
        assertThat(e.handle(hash).data()).containsEntry("hash", b.hash("file", "abc"));
        Request empty = Request.builder(Operation.UPDATE, "sys/audit-hash/file").data(Map.of()).build();
        empty.setMount("sys/", "system", "system_1", "audit-hash/file");
        assertThatThrownBy(() -> e.handle(empty)).hasMessage("the \"input\" parameter is empty");

        Request pub = Request.builder(Operation.READ, "sys/audit-pubkey").build();
        pub.setMount("sys/", "system", "system_1", "audit-pubkey");
        assertThat((String) e.handle(pub).data().get("public_key")).startsWith("-----BEGIN PUBLIC KEY-----");

        Request del = Request.builder(Operation.DELETE, "sys/audit/file").build();
        del.setMount("sys/", "system", "system_1", "audit/file");
        assertThat(e.handle(del).status()).isEqualTo(204);
        assertThat(e.handle(del).status()).isEqualTo(204);
        assertThat(b.list()).isEmpty();
    }
}
