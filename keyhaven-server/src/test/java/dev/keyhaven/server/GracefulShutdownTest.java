package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping under load: every request gets a complete answer or a refused/closed connection, never a torn one. */
class GracefulShutdownTest {
    @TempDir
    Path dir;

    @Test
    void stopUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        String token = "t-" + UUID.randomUUID();
        KeyhavenServer server = TestServers.dev(dir, token);
        String url = server.url();
        ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> badStatuses = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch warm = new CountDownLatch(50);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int tt = t;
            Thread th = new Thread(() -> {
                Http h = new Http(url).token(token);
                for (int i = 0; !stop.get(); i++) {
                    try {
                        Http.Res r = h.post("/v1/kv/g/" + tt + "/" + i, "{\"v\":" + i + "}");
                        if (r.status() == 204) acked.add(tt + "/" + i);
                        else if (r.status() != 503) badStatuses.add(r.status()); // 503 = shutting down / sealed: refused cleanly
                        warm.countDown();
                    } catch (RuntimeException e) {
                        return; // connection closed or refused after shutdown began
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        assertThat(warm.await(30, TimeUnit.SECONDS)).isTrue();
        server.stop();
        stop.set(true);
        for (Thread th : threads) th.join(30000);
        assertThat(badStatuses).isEmpty();
        assertThat(acked).isNotEmpty();

        KeyhavenServer again = TestServers.dev(dir, token);
        try {
            Http h = new Http(again.url()).token(token);
            for (String k : acked) assertThat(h.get("/v1/kv/g/" + k).status()).as(k).isEqualTo(200);
        } finally {
            again.stop();
        }
    }
}
