package dev.keyhaven.core.metrics;

import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code sys/metrics}, as Vault serves it: {@code GET} only; {@code ?format=prometheus} (or an {@code Accept} header
 * asking for the Prometheus or OpenMetrics text format) returns the Prometheus text exposition format 0.0.4, no
 * format returns the in-memory-sink JSON as the whole body (no envelope). Any other format is a 400.
 *
 * <p>Needs a token with {@code read} on {@code sys/metrics} unless the server is configured with
 * {@code telemetry { unauthenticated_metrics_access = true }}. Register with
 * {@code system.register("metrics", endpoint)}.
 */
public final class MetricsEndpoint implements Engine {
    public static final String PREFIX = "metrics";
    private final Telemetry telemetry;
    private final boolean unauthenticatedAccess;

    public MetricsEndpoint(Telemetry telemetry, boolean unauthenticatedAccess) {
        this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
        this.unauthenticatedAccess = unauthenticatedAccess;
    }

    @Override
    public Response handle(Request req) {
        String rel = req.relativePath();
        if (rel.endsWith("/")) rel = rel.substring(0, rel.length() - 1);
        if (!rel.equals(PREFIX)) throw KeyhavenException.notFound();
        if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), rel);
        String format = req.queryParam("format").orElse("").strip().toLowerCase(Locale.ROOT);
        if (format.isEmpty()) format = fromAccept(req.headers().getOrDefault("accept", ""));
        switch (format) {
            case "":
            case "json":
                return Response.raw(200, telemetry.vaultJson());
            case "prometheus":
                return Response.bytes(200, Telemetry.PROMETHEUS_CONTENT_TYPE, telemetry.prometheusText());
            default:
                throw KeyhavenException.badRequest("metric response format \"" + clip(format) + "\" unknown (use \"prometheus\" or omit format for JSON)");
        }
    }

    private static String fromAccept(String accept) {
        String a = accept.toLowerCase(Locale.ROOT);
        return a.startsWith("application/openmetrics-text") || a.contains("text/plain; version=0.0.4") ? "prometheus" : "";
    }

    private static String clip(String s) {
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 32 ? printable.substring(0, 32) + "..." : printable;
    }

    @Override
    public List<String> unauthenticatedPaths() {
        return unauthenticatedAccess ? List.of(PREFIX) : List.of();
    }
}
