package dev.keyhaven.core.alerts;

import dev.keyhaven.core.notify.WebhookSigner;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts alerts to an HTTP(S) endpoint: {@code POST} with a JSON body
 * {@code {"type":"keyhaven.alert","alert":{...}}}, signed with {@link WebhookSigner} (header
 * {@code Keyhaven-Signature: t=<unix>,v1=<hex>}) when a secret is configured.
 *
 * <p>Never blocks a request: {@link #post} only queues (at most {@value #MAX_QUEUED} deliveries; beyond that new
 * ones are dropped and logged). One daemon thread delivers, each attempt bounded by the timeout; a failed attempt
 * (I/O error or a non-2xx status) is retried after 1 s and 4 s, then given up and logged. Logs name the alert id and
 * the status, never the secret or the body.
 */
public final class AlertWebhook implements AutoCloseable {
    static final int MAX_QUEUED = 1000;
    static final int ATTEMPTS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(AlertWebhook.class);

    private final URI url;
    private final Optional<WebhookSigner> signer;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient client;
    private final ScheduledThreadPoolExecutor executor;
    private final AtomicInteger delivered = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    public AlertWebhook(URI url, Optional<WebhookSigner> signer, Duration timeout, Clock clock) {
        this.url = Objects.requireNonNull(url, "url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("alert webhook URL must be an absolute http:// or https:// URL");
        }
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("alert webhook timeout must be between 1 ms and 1 minute");
        }
        this.signer = signer;
        this.timeout = timeout;
        this.clock = clock;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "keyhaven-alert-webhook");
            t.setDaemon(true);
            return t;
        });
        this.executor.setRemoveOnCancelPolicy(true);
    }

    /** Queues the alert for delivery and returns at once. */
    public void post(Alert alert) {
        if (executor.getQueue().size() >= MAX_QUEUED) {
            LOG.warn("alert webhook queue full; alert {} not posted", alert.id());
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "keyhaven.alert");
        body.put("alert", alert.toMap());
        byte[] bytes = Json.write(body);
        schedule(alert.id(), bytes, 1, 0);
    }

    private void schedule(String id, byte[] body, int attempt, long delayMillis) {
        try {
            executor.schedule(() -> deliver(id, body, attempt), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("alert webhook closed; alert {} not posted", id);
        }
    }

    private void deliver(String id, byte[] body, int attempt) {
        String problem;
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "keyhaven-alerts")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body));
            signer.ifPresent(s -> b.header(WebhookSigner.HEADER, s.header(clock.instant(), body)));
            HttpResponse<Void> resp = client.send(b.build(), HttpResponse.BodyHandlers.discarding());
            if (resp.statusCode() / 100 == 2) {
                delivered.incrementAndGet();
                return;
            }
            problem = "status " + resp.statusCode();
        } catch (IOException e) {
            problem = e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (attempt < ATTEMPTS) {
            LOG.warn("alert webhook attempt {} for alert {} failed ({}); retrying", attempt, id, problem);
            schedule(id, body, attempt + 1, attempt == 1 ? 1000 : 4000);
        } else {
            failed.incrementAndGet();
            LOG.error("alert webhook gave up on alert {} after {} attempts ({})", id, ATTEMPTS, problem);
        }
    }

    /** Deliveries that ended with a 2xx. */
    public int delivered() {
        return delivered.get();
    }

    /** Deliveries given up after every attempt failed. */
    public int failed() {
        return failed.get();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "AlertWebhook[" + url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "") + ", signed=" + signer.isPresent() + "]";
    }
}
