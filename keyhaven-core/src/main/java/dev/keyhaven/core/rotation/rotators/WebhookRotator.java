package dev.keyhaven.core.rotation.rotators;

import dev.keyhaven.core.rotation.RotationContext;
import dev.keyhaven.core.rotation.RotationException;
import dev.keyhaven.core.rotation.SecretData;
import dev.keyhaven.core.rotation.Settings;
import dev.keyhaven.core.rotation.ValueRotator;
import dev.keyhaven.core.rotation.WebhookNotifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code webhook}: for third-party API keys Keyhaven cannot mint. A rotation sends a signed
 * {@code rotation.requested} event (HMAC-SHA256 over timestamp and body, header {@code Keyhaven-Signature}) to
 * {@code url}; whoever mints the new key (a person, a bot) posts it to {@code sys/rotation/confirm/<path>}. Until
 * then the old key stays current. After the overlap a signed {@code rotation.retire} event says the old key may be
 * revoked at the provider; the old KV version is destroyed only once that event was accepted (2xx).
 *
 * <p>Settings: {@code url} (http/https), {@code secret_path} (KV secret whose field {@code secret} is the signing key,
 * at least 16 bytes). Events never carry secret values.
 */
public final class WebhookRotator implements ValueRotator {
    private static final Set<String> SETTINGS = Set.of("url", "secret_path");

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public void validate(Settings s) {
        s.allowOnly(type(), SETTINGS);
        WebhookNotifier.checkUrl(s.require("url"));
        s.require("secret_path");
    }

    @Override
    public boolean supportsOverlap(Settings settings) {
        return true;
    }

    @Override
    public boolean generatesValues() {
        return false;
    }

    @Override
    public Optional<SecretData> prepare(RotationContext ctx) {
        return Optional.empty();
    }

    @Override
    public void requestValue(RotationContext ctx, String rotationId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", "rotation.requested");
        body.put("rotation_id", rotationId);
        body.put("path", ctx.path());
        body.put("policy", ctx.policy().name());
        body.put("reason", ctx.emergency() ? "emergency" : "scheduled");
        body.put("confirm_path", "sys/rotation/confirm/" + ctx.path());
        body.put("time", ctx.clock().instant().toString());
        send(ctx, body);
    }

    @Override
    public void apply(RotationContext ctx, SecretData next) {
        // the outside party already made the key valid at the provider before confirming it
    }

    @Override
    public void verify(RotationContext ctx, SecretData value) {
        if (value.fields().isEmpty()) throw RotationException.badRequest("confirmed value has no fields");
    }

    @Override
    public void retire(RotationContext ctx, SecretData old) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event", "rotation.retire");
        body.put("path", ctx.path());
        body.put("policy", ctx.policy().name());
        body.put("reason", ctx.emergency() ? "emergency" : "scheduled");
        body.put("time", ctx.clock().instant().toString());
        send(ctx, body);
    }

    @Override
    public String label(SecretData value) {
        return "";
    }

    private static void send(RotationContext ctx, Map<String, Object> body) {
        WebhookNotifier.send(ctx.settings().require("url"), WebhookNotifier.signerFrom(ctx.kv(), ctx.settings().require("secret_path")), body, ctx.clock());
    }
}
