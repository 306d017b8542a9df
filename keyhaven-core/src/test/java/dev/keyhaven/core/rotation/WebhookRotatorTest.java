package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.notify.WebhookSigner;
import dev.keyhaven.core.util.Json;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook rotator against a real HTTP receiver on loopback that verifies every signature. */
class WebhookRotatorTest {
    private final RotationKit kit = new RotationKit();
    private final String signingSecret = RandomValues.hex(new SecureRandom(), 32);
    private final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
    private final List<String> rawBodies = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile boolean signatureOk = true;
    private HttpServer server;

    @BeforeEach
    void startReceiver() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        WebhookSigner verifier = WebhookSigner.ofUtf8(signingSecret);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String sig = ex.getRequestHeaders().getFirst(WebhookSigner.HEADER);
            // the receiver checks against real time; the engine signs with its (injected) clock, set near now below
            signatureOk &= verifier.verify(sig, body, kit.clock.instant());
            rawBodies.add(new String(body, StandardCharsets.UTF_8));
            received.add(Json.parseObject(body));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        kit.clock.advance(Duration.between(kit.clock.instant(), Instant.now()));
        kit.kvWrite("secret/rotation/webhook-signing", map("secret", signingSecret));
    }

    @AfterEach
    void stopReceiver() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    private void policy() {
        kit.sys(Operation.UPDATE, "policy/stripe", map("path", "secret/app/stripe", "category", "api-key",
                "url", url(), "secret_path", "secret/rotation/webhook-signing"));
    }

    @Test
    void rotationNotifiesSignedWaitsForConfirmationKeepsOldValidThenRetiresAfterOverlap() {
        String old = "sk_test_" + RandomValues.hex(new SecureRandom(), 12); // generated fixture
        kit.kvWrite("secret/app/stripe", map("api_key", old));
        policy();

        RotationService.Outcome out = kit.service.rotateNow("secret/app/stripe", "scheduled", false);
        assertThat(out.awaitingConfirmation()).isTrue();
        assertThat(received).hasSize(1);
        assertThat(received.get(0)).containsEntry("event", "rotation.requested").containsEntry("path", "secret/app/stripe")
                .containsEntry("confirm_path", "sys/rotation/confirm/secret/app/stripe");
        assertThat(signatureOk).isTrue();
        assertThat(kit.current("secret/app/stripe").orElseThrow().require("api_key")).isEqualTo(old);
        assertThat(kit.sys(Operation.READ, "status/secret/app/stripe").data()).containsEntry("state", "awaiting_confirmation");

        String fresh = "sk_test_" + RandomValues.hex(new SecureRandom(), 12);
        kit.sys(Operation.UPDATE, "confirm/secret/app/stripe", map("data", map("api_key", fresh)));
        assertThat(kit.current("secret/app/stripe").orElseThrow().require("api_key")).isEqualTo(fresh);
        assertThat(kit.previous("secret/app/stripe").orElseThrow().require("api_key")).isEqualTo(old);

        kit.clock.advance(Duration.ofDays(7));
        kit.engine.scheduler().runDue(kit.clock.instant());
        assertThat(received).extracting(m -> m.get("event")).containsExactly("rotation.requested", "rotation.retire");
        assertThat(signatureOk).isTrue();
        assertThat(kit.previous("secret/app/stripe")).isEmpty();
        assertThat(String.join("\n", rawBodies)).doesNotContain(old).doesNotContain(fresh).doesNotContain(signingSecret);
    }

    @Test
    void oldKeyStaysUntilTheReceiverAcceptsTheRetireEvent() {
        kit.kvWrite("secret/app/stripe", map("api_key", "k1-" + System.nanoTime()));
        policy();
        kit.service.rotateNow("secret/app/stripe", "scheduled", false);
        kit.sys(Operation.UPDATE, "confirm/secret/app/stripe", map("data", map("api_key", "k2-" + System.nanoTime())));
        status = 500;
        kit.clock.advance(Duration.ofDays(7));
        kit.engine.scheduler().runDue(kit.clock.instant());
        RotationRecord r = kit.record("secret/app/stripe");
        assertThat(r.previous()).isPresent();
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.lastError()).contains("answered HTTP 500");
        assertThat(kit.previous("secret/app/stripe")).isPresent();
        status = 200;
        kit.clock.advance(Duration.ofMinutes(1));
        kit.engine.scheduler().runDue(kit.clock.instant());
        assertThat(kit.previous("secret/app/stripe")).isEmpty();
    }

    @Test
    void unreachableReceiverIsRetriedWithBackoffWhileOldKeyStaysCurrent() {
        String old = "k1-" + System.nanoTime();
        kit.kvWrite("secret/app/stripe", map("api_key", old));
        policy();
        status = 503;
        assertThatThrownBy(() -> kit.service.rotateNow("secret/app/stripe", "scheduled", false))
                .isInstanceOfSatisfying(KeyhavenException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        RotationRecord r = kit.record("secret/app/stripe");
        assertThat(r.inflight().step()).isEqualTo("awaiting");
        assertThat(r.attempts()).isEqualTo(1);
        status = 200;
        kit.clock.advance(Duration.ofMinutes(1));
        kit.engine.scheduler().runDue(kit.clock.instant());
        assertThat(kit.record("secret/app/stripe").attempts()).isZero();
        assertThat(received).hasSize(2);
        assertThat(kit.current("secret/app/stripe").orElseThrow().require("api_key")).isEqualTo(old);
    }

    @Test
    void policyNotifyUrlGetsSignedPromotionAndIncidentEventsWithoutValues() {
        String old = "v1-" + System.nanoTime();
        kit.kvWrite("secret/web/session", map("value", old));
        kit.sys(Operation.UPDATE, "policy/notify", map("path", "secret/web/session", "category", "session-secret",
                "notify_url", url(), "notify_secret_path", "secret/rotation/webhook-signing"));
        kit.sys(Operation.UPDATE, "rotate/secret/web/session", map("revoke_previous", true));
        assertThat(received).extracting(m -> m.get("event")).containsExactly("rotation.promoted", "rotation.incident");
        assertThat(received.get(1)).containsEntry("path", "secret/web/session").containsEntry("reason", "emergency").containsEntry("current_version", 2);
        assertThat(signatureOk).isTrue();
        String now = kit.current("secret/web/session").orElseThrow().require("value");
        assertThat(String.join("\n", rawBodies)).doesNotContain(old).doesNotContain(now);

        // a receiver that is down does not undo the rotation; the failure is audited
        status = 500;
        kit.service.rotateNow("secret/web/session", "manual", false);
        assertThat(kit.record("secret/web/session").current().orElseThrow().version()).isEqualTo(3);
        assertThat(kit.eventTypes()).contains("rotation.notify_failed");
    }

    @Test
    void confirmWithoutAWaitingRotationOrWithoutDataIsA400() {
        kit.kvWrite("secret/app/stripe", map("api_key", "k1"));
        policy();
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "confirm/secret/app/stripe", map("data", map("api_key", "x"))), "no rotation is waiting");
        RotationPolicyTest.assertBad(() -> kit.sys(Operation.UPDATE, "confirm/secret/app/stripe", map()), "'data' must be an object");
    }

    @Test
    void emergencyRotationReturns202UntilConfirmedAndThenRevokesAtOnce() {
        kit.kvWrite("secret/app/stripe", map("api_key", "k1-" + System.nanoTime()));
        policy();
        Response r = kit.sys(Operation.UPDATE, "rotate/secret/app/stripe", map("revoke_previous", true));
        assertThat(r.status()).isEqualTo(202);
        assertThat(r.warnings()).anyMatch(w -> w.contains("sys/rotation/confirm/secret/app/stripe"));
        kit.sys(Operation.UPDATE, "confirm/secret/app/stripe", map("data", map("api_key", "k2-" + System.nanoTime())));
        assertThat(kit.previous("secret/app/stripe")).isEmpty();
        assertThat(received).extracting(m -> m.get("event")).containsExactly("rotation.requested", "rotation.retire");
        assertThat(received.get(0)).containsEntry("reason", "emergency");
    }
}
