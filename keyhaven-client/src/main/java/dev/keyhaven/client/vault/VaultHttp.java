package dev.keyhaven.client.vault;

import dev.keyhaven.client.AccessDeniedException;
import dev.keyhaven.client.SealedException;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SourceException;
import dev.keyhaven.client.SourceUnavailableException;
import dev.keyhaven.client.internal.Json;
import dev.keyhaven.client.redact.Redactor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The HTTP side of a Vault-compatible server: {@code /v1/} paths, {@code X-Vault-Token},
 * {@code X-Vault-Request: true}, optional {@code X-Vault-Namespace}, Vault's JSON envelope and
 * {@code {"errors":[...]}} bodies. Maps failures to the SDK's exceptions with messages that name the source,
 * the server and the path, never a value or the token. Instances are created by {@link VaultKvSource}.
 */
public final class VaultHttp {

    private static final int MAX_ERROR_TEXT = 300;

    private final String source;
    private final URI address;
    private final String namespace;
    private final Duration timeout;
    private final HttpClient client;
    private final Redactor redactor;

    /** A server answer with a parsed JSON body (empty map when the body was empty). */
    public record Answer(int status, Map<String, Object> body) {
        @Override
        public String toString() {
            return "Answer[status=" + status + "]";
        }
    }

    VaultHttp(String source, URI address, String namespace, Duration timeout, SSLContext ssl, Redactor redactor) {
        this.source = Objects.requireNonNull(source);
        this.address = Objects.requireNonNull(address);
        this.namespace = namespace;
        this.timeout = Objects.requireNonNull(timeout);
        this.redactor = Objects.requireNonNull(redactor);
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.client = b.build();
    }

    /** The source name used in messages. */
    public String source() {
        return source;
    }

    /** The server address. */
    public URI address() {
        return address;
    }

    Redactor redactor() {
        return redactor;
    }

    /** {@code <address>/v1/<path>}, keeping any path prefix of the address (a server behind a reverse proxy). */
    URI url(String path) {
        String base = address.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/v1/" + path);
    }

    /** Encodes each segment of a logical path for use in a URL. */
    static String encodePath(String path) {
        return java.util.Arrays.stream(path.split("/", -1))
                .map(seg -> URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("/"));
    }

    /**
     * Sends a request to {@code /v1/<path>} (path already URL-encoded, may carry a query). Returns any answer
     * with status 200, 204 or 404; maps every other status and every transport failure to an exception.
     *
     * @param what what the request was for, for messages (e.g. "reading secret/data/app")
     */
    public Answer send(String method, String path, Secret token, Map<String, Object> body, String what) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(url(path))
                .timeout(timeout)
                .header("X-Vault-Request", "true")
                .header("Accept", "application/json");
        if (token != null) {
            rb.header("X-Vault-Token", token.reveal());
        }
        if (namespace != null && !namespace.isBlank()) {
            rb.header("X-Vault-Namespace", namespace);
        }
        if (body != null) {
            rb.header("Content-Type", "application/json");
            rb.method(method, HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
        } else {
            rb.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> resp;
        try {
            resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new SourceUnavailableException(source, "cannot reach " + address + " while " + what
                    + ": connection timed out after " + timeout.toSeconds() + "s");
        } catch (HttpTimeoutException e) {
            throw new SourceUnavailableException(source, "no answer from " + address + " while " + what
                    + " within " + timeout.toSeconds() + "s");
        } catch (ConnectException e) {
            throw new SourceUnavailableException(source, "cannot reach " + address + " while " + what
                    + ": connection refused (is the server running and KEYHAVEN_ADDR/VAULT_ADDR right?)");
        } catch (SSLException e) {
            throw new SourceUnavailableException(source, "TLS handshake with " + address + " failed while " + what
                    + " (" + e.getClass().getSimpleName() + "; check the CA certificate)");
        } catch (IOException e) {
            throw new SourceUnavailableException(source, "cannot reach " + address + " while " + what
                    + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceUnavailableException(source, "interrupted while " + what);
        }
        int status = resp.statusCode();
        Map<String, Object> json = parse(resp.body(), status, what);
        if (status == 200 || status == 204 || status == 404) {
            return new Answer(status, json);
        }
        String errors = errorText(json);
        if (status == 403 || status == 401) {
            throw new AccessDeniedException(source, "permission denied while " + what + " at " + address
                    + " (HTTP " + status + errors + "); check the token's policy");
        }
        if (status == 503 && errors.toLowerCase(java.util.Locale.ROOT).contains("sealed")) {
            throw new SealedException(source, "server " + address + " is sealed (HTTP 503) while " + what
                    + "; an operator must unseal it");
        }
        if (status >= 500 || status == 429) {
            throw new SourceUnavailableException(source, "server " + address + " answered HTTP " + status
                    + " while " + what + errors);
        }
        throw new SourceException(source, "server " + address + " rejected the request while " + what
                + " (HTTP " + status + errors + ")");
    }

    private Map<String, Object> parse(String body, int status, String what) {
        if (body == null || body.isBlank()) {
            return Map.of();
        }
        try {
            return Json.parseObject(body);
        } catch (RuntimeException e) {
            if (status >= 400) {
                return Map.of();
            }
            throw new SourceException(source, "server " + address + " sent a body that is not a JSON object while "
                    + what + " (HTTP " + status + ", " + e.getMessage() + ")");
        }
    }

    private String errorText(Map<String, Object> json) {
        List<Object> errs = Json.list(json, "errors");
        if (errs.isEmpty()) {
            return "";
        }
        String joined = errs.stream().map(String::valueOf).collect(Collectors.joining("; "));
        joined = redactor.redact(joined);
        if (joined.length() > MAX_ERROR_TEXT) {
            joined = joined.substring(0, MAX_ERROR_TEXT) + "…";
        }
        return ": " + joined;
    }
}
