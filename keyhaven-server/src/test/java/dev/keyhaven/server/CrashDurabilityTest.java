package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jepsen-style: a real server JVM takes a stream of writes, is killed with SIGKILL mid-stream, restarted and
 * unsealed; every write it acknowledged must be there. Then SIGTERM must shut it down cleanly.
 */
class CrashDurabilityTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void acknowledgedWritesSurviveKillDashNine() throws Exception {
        Path cfg = TestServers.writeConfig(dir, TestServers.plainConfig());
        ChildServer first = ChildServer.start("-config", cfg.toString());
        List<String> keys;
        String root;
        ConcurrentLinkedQueue<Integer[]> acked = new ConcurrentLinkedQueue<>();
        AtomicInteger attempted = new AtomicInteger();
        try {
            String url = first.awaitUrl();
            Http anon = new Http(url);
            Http.Res init = anon.put("/v1/sys/init", "{\"secret_shares\":3,\"secret_threshold\":2}");
            assertThat(init.status()).isEqualTo(200);
            keys = (List<String>) init.json().get("keys");
            root = (String) init.json().get("root_token");
            anon.put("/v1/sys/unseal", "{\"key\":\"" + keys.get(0) + "\"}");
            assertThat(anon.put("/v1/sys/unseal", "{\"key\":\"" + keys.get(1) + "\"}").json()).containsEntry("sealed", false);
            Http http = new Http(url).token(root);
            assertThat(http.post("/v1/sys/mounts/kv", "{\"type\":\"kv\"}").status()).isEqualTo(204);

            int writers = 6;
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch enough = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                int tt = t;
                Thread th = new Thread(() -> {
                    Http h = new Http(url).token(root);
                    for (int i = 0; !stop.get(); i++) {
                        attempted.incrementAndGet();
                        try {
                            Http.Res r = h.post("/v1/kv/w/" + tt + "/" + i, "{\"v\":\"" + tt + "-" + i + "\"}");
                            if (r.status() == 204) acked.add(new Integer[] {tt, i});
                            if (acked.size() >= 600) enough.countDown();
                        } catch (RuntimeException e) {
                            return; // the server died mid-request: not acknowledged
                        }
                    }
                });
                th.start();
                threads.add(th);
            }
            enough.await(20, TimeUnit.SECONDS);
            first.process.destroyForcibly(); // SIGKILL while writes are in flight
            first.waitFor();
            stop.set(true);
            for (Thread th : threads) th.join(30000);
        } finally {
            first.process.destroyForcibly();
        }
        assertThat(acked).hasSizeGreaterThan(100);
        System.out.println("crash test: " + acked.size() + " acknowledged of " + attempted.get() + " attempted writes");

        ChildServer second = ChildServer.start("-config", cfg.toString());
        try {
            String url = second.awaitUrl();
            Http anon = new Http(url);
            assertThat(anon.get("/v1/sys/seal-status").json()).containsEntry("sealed", true);
            anon.put("/v1/sys/unseal", "{\"key\":\"" + keys.get(2) + "\"}");
            anon.put("/v1/sys/unseal", "{\"key\":\"" + keys.get(0) + "\"}");
            Http http = new Http(url).token(root);
            List<String> missing = new ArrayList<>();
            for (Integer[] a : acked) {
                Http.Res r = http.get("/v1/kv/w/" + a[0] + "/" + a[1]);
                if (r.status() != 200 || !Map.of("v", a[0] + "-" + a[1]).equals(r.data())) missing.add(a[0] + "/" + a[1]);
            }
            assertThat(missing).as("acknowledged writes lost (of %d acknowledged, %d attempted)", acked.size(), attempted.get()).isEmpty();

            // SIGTERM (a real signal: Process.destroy() would also close our end of the output pipe)
            // graceful shutdown, store closed cleanly (WAL checkpointed and truncated)
            new ProcessBuilder("kill", "-TERM", Long.toString(second.process.pid())).inheritIO().start().waitFor();
            int code = second.waitFor();
            assertThat(code).isIn(0, 143);
            Path wal = dir.resolve("data/keyhaven.db-wal");
            assertThat(!Files.exists(wal) || Files.size(wal) == 0).as("WAL truncated on clean shutdown").isTrue();
            System.out.println("child output:\n" + second.allOutput());
            assertThat(second.allOutput()).contains("stopped").doesNotContain("Exception");
        } finally {
            second.process.destroyForcibly();
        }
    }
}
