package dev.keyhaven.core.alerts;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.metrics.MetricsEndpoint;
import dev.keyhaven.core.metrics.Telemetry;
import dev.keyhaven.core.notify.WebhookSigner;
import dev.keyhaven.core.storage.Storage;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Wires metrics and alerts into a core: registers {@code sys/metrics} and {@code sys/alerts} with the system backend,
 * attaches an {@link AlertEngine} (storing records in {@code view}, normally a barrier view at
 * {@code core/observability/}) to the telemetry, and owns the optional webhook. Close it on shutdown.
 */
public final class Observability implements AutoCloseable {
    /** The storage prefix (under the barrier) that holds alert records. */
    public static final String STORAGE_PREFIX = "core/observability/";

    /**
     * Settings, from the server config's {@code telemetry} block.
     *
     * @param unauthenticatedMetricsAccess {@code unauthenticated_metrics_access}: serve sys/metrics without a token
     * @param alerts                       rule thresholds
     * @param webhookUrl                   {@code alert_webhook_url}, if any
     * @param webhookSigner                signs webhook bodies ({@code alert_webhook_secret_file}), if any
     * @param webhookTimeout               {@code alert_webhook_timeout} (default 5 s)
     */
    public record Config(boolean unauthenticatedMetricsAccess, AlertConfig alerts, Optional<URI> webhookUrl, Optional<WebhookSigner> webhookSigner,
                         Duration webhookTimeout) {
        public static final Config DEFAULTS = new Config(false, AlertConfig.DEFAULTS, Optional.empty(), Optional.empty(), Duration.ofSeconds(5));

        public Config {
            Objects.requireNonNull(alerts, "alerts");
            Objects.requireNonNull(webhookUrl, "webhookUrl");
            Objects.requireNonNull(webhookSigner, "webhookSigner");
            Objects.requireNonNull(webhookTimeout, "webhookTimeout");
        }

        @Override
        public String toString() {
            return "Observability.Config[unauthenticated_metrics_access=" + unauthenticatedMetricsAccess + ", webhook=" + webhookUrl.isPresent()
                    + ", signed=" + webhookSigner.isPresent() + "]";
        }
    }

    private final Telemetry telemetry;
    private final AlertEngine alerts;
    private final Optional<AlertWebhook> webhook;

    private Observability(Telemetry telemetry, AlertEngine alerts, Optional<AlertWebhook> webhook) {
        this.telemetry = telemetry;
        this.alerts = alerts;
        this.webhook = webhook;
    }

    /**
     * @param register the system backend's {@code register(prefix, engine)}
     */
    public static Observability install(Telemetry telemetry, BiConsumer<String, Engine> register, Storage view, Clock clock, Config config) {
        Optional<AlertWebhook> webhook = config.webhookUrl().map(u -> new AlertWebhook(u, config.webhookSigner(), config.webhookTimeout(), clock));
        AlertStore store = new AlertStore(view, config.alerts().maxStoredAlerts());
        AlertEngine engine = new AlertEngine(clock, config.alerts(), store, Optional.of(telemetry), webhook);
        telemetry.addListener(engine);
        register.accept(MetricsEndpoint.PREFIX, new MetricsEndpoint(telemetry, config.unauthenticatedMetricsAccess()));
        register.accept(AlertsEndpoint.PREFIX, new AlertsEndpoint(store, clock));
        return new Observability(telemetry, engine, webhook);
    }

    public AlertEngine alerts() {
        return alerts;
    }

    @Override
    public void close() {
        telemetry.removeListener(alerts);
        webhook.ifPresent(AlertWebhook::close);
    }
}
