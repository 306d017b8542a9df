package dev.keyhaven.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.auth.AuthListener;
import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TelemetryTest {
    private final Telemetry telemetry = new Telemetry(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC));

    /** A random token-shaped canary, made at test time. */
    static String canary(String prefix) {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    static TokenEntry entry(String accessor) {
        return new TokenEntry("h", accessor, List.of("default"), "", "auth/token/create", Map.of(), "token", 0, 0, 0, 0, 0, 0, 0, false, "", "", "", 0, List.of());
    }

    static Request request(Operation op, String mount, String type, String rel, String token, String accessor) {
        Request r = Request.builder(op, mount + rel).clientToken(token).remoteAddress("192.0.2.7").build();
        r.setMount(mount, type, type + "_1", rel);
        if (accessor != null) r.setAuth(entry(accessor));
        return r;
    }

    private Map<String, PrometheusTextParser.Family> scrape() {
        return PrometheusTextParser.parse(new String(telemetry.prometheusText(), StandardCharsets.UTF_8));
    }

    private static double value(Map<String, PrometheusTextParser.Family> f, String family, String sample, Map<String, String> labels) {
        assertThat(f).containsKey(family);
        return f.get(family).sample(sample, labels).orElseThrow(() -> new AssertionError(sample + labels + " not in " + f.get(family).samples())).value();
    }

    @Test
    void prometheusTextParsesAndCountsEveryKindOfEvent() {
        String token = canary("hvs.");
        String accessor = canary("acc");
        for (int i = 0; i < 3; i++) telemetry.onRequest(request(Operation.READ, "secret/", "kv", "data/app/db/password", token, accessor), 200, 2_000_000);
        telemetry.onRequest(request(Operation.UPDATE, "secret/", "kv", "data/app/db/password", token, accessor), 403, 1_000_000);
        telemetry.onRequest(request(Operation.UPDATE, "auth/approle/", "approle", "login", null, null), 400, 1_000_000);
        telemetry.onLogin(new dev.keyhaven.core.auth.login.LoginAttempt(Instant.now(), "approle", "auth/approle/", "ci", false,
                java.util.Optional.of(dev.keyhaven.core.auth.login.FailureClass.CREDENTIALS), "invalid role or secret ID", Map.of(), "", "192.0.2.7", ""));
        telemetry.onAuthFailure(new AuthListener.AuthFailure("token", AuthListener.REVOKED_TOKEN, "192.0.2.7", accessor));
        telemetry.onAuthFailure(new AuthListener.AuthFailure("token", AuthListener.EXPIRED_TOKEN, "192.0.2.7", accessor));
        telemetry.onPreviousVersionReadAfterOverlap("secret/app/db/password");
        telemetry.onRotation("success");
        telemetry.onRotation("failure");
        telemetry.onAuditFailure("file");
        telemetry.onAlert("brute_force");

        Map<String, PrometheusTextParser.Family> f = scrape();
        assertThat(f.get("keyhaven_requests_total").type()).isEqualTo("counter");
        assertThat(value(f, "keyhaven_requests_total", "keyhaven_requests_total",
                Map.of("mount", "secret/", "mount_type", "kv", "operation", "read", "code", "200"))).isEqualTo(3.0);
        assertThat(value(f, "keyhaven_requests_total", "keyhaven_requests_total",
                Map.of("mount", "secret/", "mount_type", "kv", "operation", "update", "code", "403"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_request_duration_seconds", "keyhaven_request_duration_seconds_count",
                Map.of("mount", "secret/", "operation", "read"))).isEqualTo(3.0);
        assertThat(value(f, "keyhaven_request_duration_seconds", "keyhaven_request_duration_seconds_sum",
                Map.of("mount", "secret/", "operation", "read"))).isEqualTo(0.006);
        assertThat(f.get("vault_core_handle_request").type()).isEqualTo("summary");
        assertThat(value(f, "vault_core_handle_request", "vault_core_handle_request_count", Map.of())).isEqualTo(4.0);
        assertThat(value(f, "vault_core_handle_login_request", "vault_core_handle_login_request_count", Map.of())).isEqualTo(1.0);
        assertThat(f.get("vault_core_handle_request").samples()).anyMatch(s -> "0.99".equals(s.labels().get("quantile")));
        assertThat(value(f, "keyhaven_secret_reads_total", "keyhaven_secret_reads_total", Map.of("mount", "secret/", "path_prefix", "app/db/"))).isEqualTo(3.0);
        assertThat(value(f, "keyhaven_auth_failures_total", "keyhaven_auth_failures_total", Map.of("method", "approle", "reason", "credentials"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_auth_failures_total", "keyhaven_auth_failures_total", Map.of("method", "token", "reason", "revoked_token"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_expired_credential_uses_total", "keyhaven_expired_credential_uses_total", Map.of("kind", "revoked_token"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_expired_credential_uses_total", "keyhaven_expired_credential_uses_total", Map.of("kind", "expired_token"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_expired_credential_uses_total", "keyhaven_expired_credential_uses_total", Map.of("kind", "retired_secret_version"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_previous_version_reads_after_overlap_total", "keyhaven_previous_version_reads_after_overlap_total",
                Map.of("path_prefix", "secret/app/"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_rotations_total", "keyhaven_rotations_total", Map.of("outcome", "failure"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_audit_log_failures_total", "keyhaven_audit_log_failures_total", Map.of("device", "file"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_alerts_raised_total", "keyhaven_alerts_raised_total", Map.of("rule", "brute_force"))).isEqualTo(1.0);

        String text = new String(telemetry.prometheusText(), StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(token).doesNotContain(accessor).doesNotContain("password").doesNotContain("192.0.2.7");
    }

    @Test
    void labelCardinalityStaysBoundedWhateverClientsRead() {
        String token = canary("hvs.");
        for (int i = 0; i < 3000; i++) {
            telemetry.onRequest(request(Operation.READ, "secret/", "kv", "data/team" + i + "/svc" + i + "/leaf" + i, token, "a"), 200, 1000);
        }
        Map<String, PrometheusTextParser.Family> f = scrape();
        Set<String> prefixes = f.get("keyhaven_secret_reads_total").samples().stream().map(s -> s.labels().get("path_prefix")).collect(Collectors.toSet());
        assertThat(prefixes).hasSizeLessThanOrEqualTo(1001).contains("_other", "team0/svc0/");
        assertThat(prefixes).noneMatch(p -> p.contains("leaf"));
        assertThat(value(f, "keyhaven_secret_reads_total", "keyhaven_secret_reads_total", Map.of("mount", "secret/", "path_prefix", "_other"))).isEqualTo(2000.0);
        // unknown reasons and kinds collapse instead of creating series
        telemetry.onAuthFailure("token", "reason-" + canary(""));
        telemetry.onExpiredCredentialUse("kind-" + canary(""));
        f = scrape();
        assertThat(value(f, "keyhaven_auth_failures_total", "keyhaven_auth_failures_total", Map.of("method", "token", "reason", "other"))).isEqualTo(1.0);
        assertThat(value(f, "keyhaven_expired_credential_uses_total", "keyhaven_expired_credential_uses_total", Map.of("kind", "other"))).isEqualTo(1.0);
    }

    @Test
    void pathPrefixIsAtMostTwoFolderSegmentsNeverTheLeaf() {
        assertThat(PathPrefix.of("kv", "data/app/db/password")).isEqualTo("app/db/");
        assertThat(PathPrefix.of("kv", "data/app/config")).isEqualTo("app/");
        assertThat(PathPrefix.of("kv", "data/toplevel")).isEqualTo("/");
        assertThat(PathPrefix.of("kv", "metadata/a/b/c/d/e")).isEqualTo("a/b/");
        assertThat(PathPrefix.of("kv", "app/db/password")).isEqualTo("app/db/");
        assertThat(PathPrefix.of("transit", "keys/payments")).isEqualTo("keys/");
        assertThat(PathPrefix.of("kv", "")).isEqualTo("/");
        assertThat(PathPrefix.folders("secret/app/db/password")).isEqualTo("secret/app/");
    }

    @Test
    void jsonHasVaultsInMemorySinkShape() {
        telemetry.onRequest(request(Operation.READ, "secret/", "kv", "data/app/x", null, null), 200, 3_000_000);
        telemetry.gauge("keyhaven.alerts.unacknowledged", "open alerts", () -> 2);
        Map<String, Object> body = telemetry.vaultJson();
        assertThat(body).containsOnlyKeys("Timestamp", "Gauges", "Points", "Counters", "Samples");
        assertThat(body.get("Timestamp")).isEqualTo("2030-01-01 00:00:00 +0000 UTC");
        assertThat(body.get("Counters")).asList().anySatisfy(o -> {
            @SuppressWarnings("unchecked") Map<String, Object> c = (Map<String, Object>) o;
            assertThat(c).containsEntry("Name", "keyhaven.requests").containsEntry("Count", 1L).containsKeys("Rate", "Sum", "Min", "Max", "Mean", "Stddev");
            assertThat(c.get("Labels")).isEqualTo(Map.of("mount", "secret/", "mount_type", "kv", "operation", "read", "code", "200"));
        });
        assertThat(body.get("Samples")).asList().anySatisfy(o -> {
            @SuppressWarnings("unchecked") Map<String, Object> s = (Map<String, Object>) o;
            assertThat(s).containsEntry("Name", "vault.core.handle_request").containsEntry("Count", 1L);
            assertThat((Double) s.get("Sum")).isEqualTo(3.0);
        });
        assertThat(body.get("Gauges")).asList().anySatisfy(o -> {
            @SuppressWarnings("unchecked") Map<String, Object> g = (Map<String, Object>) o;
            assertThat(g).containsEntry("Name", "keyhaven.alerts.unacknowledged").containsEntry("Value", 2.0);
        });
        assertThat(dev.keyhaven.core.util.Json.write(body)).isNotEmpty();
    }

    @Test
    void endpointServesPrometheusTextJsonAndRefusesTheRest() {
        MetricsEndpoint ep = new MetricsEndpoint(telemetry, false);
        telemetry.onRequest(request(Operation.READ, "secret/", "kv", "data/app/x", null, null), 200, 1000);

        Request prom = Request.builder(Operation.READ, "sys/metrics").query(Map.of("format", List.of("prometheus"))).build();
        prom.setMount("sys/", "system", "system_1", "metrics");
        Response r = ep.handle(prom);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.rawContentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(PrometheusTextParser.parse(new String(r.rawBytes(), StandardCharsets.UTF_8))).containsKey("keyhaven_requests_total");

        Request accept = Request.builder(Operation.READ, "sys/metrics").headers(Map.of("accept", "application/openmetrics-text; version=1.0.0")).build();
        accept.setMount("sys/", "system", "system_1", "metrics");
        assertThat(ep.handle(accept).rawContentType()).startsWith("text/plain");

        Request json = Request.builder(Operation.READ, "sys/metrics").build();
        json.setMount("sys/", "system", "system_1", "metrics");
        assertThat(ep.handle(json).raw()).containsKeys("Timestamp", "Counters");

        Request bad = Request.builder(Operation.READ, "sys/metrics").query(Map.of("format", List.of("xml\u0001"))).build();
        bad.setMount("sys/", "system", "system_1", "metrics");
        assertThatThrownBy(() -> ep.handle(bad)).isInstanceOfSatisfying(KeyhavenException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(e.getMessage()).contains("metric response format \"xml?\" unknown");
        });
        Request write = Request.builder(Operation.UPDATE, "sys/metrics").build();
        write.setMount("sys/", "system", "system_1", "metrics");
        assertThatThrownBy(() -> ep.handle(write)).isInstanceOfSatisfying(KeyhavenException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_OPERATION));

        assertThat(ep.unauthenticatedPaths()).isEmpty();
        assertThat(new MetricsEndpoint(telemetry, true).unauthenticatedPaths()).containsExactly("metrics");
    }

    @Test
    void aFailingListenerNeverReachesTheCaller() {
        telemetry.addListener(new TelemetryListener() {
            @Override
            public void onRequest(RequestEvent event) {
                throw new IllegalStateException("boom");
            }
        });
        telemetry.onRequest(request(Operation.READ, "secret/", "kv", "data/app/x", null, null), 200, 1000);
        assertThat(scrape()).containsKey("keyhaven_requests_total");
    }
}
