package dev.keyhaven.core.rotation;

import dev.keyhaven.core.notify.WebhookSigner;
import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Sends a signed JSON notification ({@code Keyhaven-Signature: t=..,v1=..}, see {@link WebhookSigner}) and requires
 * a 2xx answer. Bodies carry names and versions only, never secret values.
 */
public final class WebhookNotifier {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private WebhookNotifier() {}

    public static void send(String url, WebhookSigner signer, Map<String, Object> body, Clock clock) {
        URI uri = checkUrl(url);
        byte[] bytes = Json.write(body);
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("User-Agent", "Keyhaven-Rotation/1")
                .header(WebhookSigner.HEADER, signer.header(clock.instant(), bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        HttpResponse<Void> resp;
        try {
            resp = HTTP.send(req, HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw RotationException.target("webhook " + uri.getHost() + " unreachable: " + e.getClass().getSimpleName(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RotationException.target("interrupted while sending webhook", null);
        }
        if (resp.statusCode() / 100 != 2) {
            throw RotationException.target("webhook " + uri.getHost() + " answered HTTP " + resp.statusCode(), null);
        }
    }

    public static URI checkUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw RotationException.badRequest("invalid webhook URL");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http")) || uri.getHost() == null) {
            throw RotationException.badRequest("webhook URL must be an absolute http(s) URL");
        }
        if (uri.getUserInfo() != null) throw RotationException.badRequest("webhook URL must not contain credentials");
        return uri;
    }

    /** A signer from the KV secret at {@code path} (field {@code secret}). */
    public static WebhookSigner signerFrom(KvAccess kv, String path) {
        SecretData d = kv.readLatest(path).orElseThrow(() -> RotationException.badRequest("webhook signing secret at '" + path + "' does not exist"));
        String s = d.require("secret");
        try {
            return WebhookSigner.ofUtf8(s);
        } catch (IllegalArgumentException e) {
            throw RotationException.badRequest("webhook signing secret at '" + path + "' is shorter than 16 bytes");
        }
    }
}
