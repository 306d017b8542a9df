package dev.keyhaven.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A small client for the Vault-compatible HTTP API, used by the CLI commands. Errors become {@link ApiException}
 * carrying the server's {@code errors} list; the token is sent as {@code X-Vault-Token} and never printed.
 */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private final URI address;
    private final String token;
    private final HttpClient http;

    public ApiClient(String address, String token, Path caCert) {
        this.address = URI.create(address.endsWith("/") ? address.substring(0, address.length() - 1) : address);
        if (this.address.getScheme() == null || this.address.getHost() == null
                || !(this.address.getScheme().equals("http") || this.address.getScheme().equals("https"))) {
            throw new IllegalArgumentException("invalid server address \"" + address + "\": expected http(s)://host:port");
        }
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (caCert != null) b.sslContext(sslContextFor(caCert));
        this.http = b.build();
    }

    /** An HTTP answer: status and parsed JSON body (empty map for 204 or an empty body). */
    public record Reply(int status, Map<String, Object> body) {
        @SuppressWarnings("unchecked")
        public Map<String, Object> data() {
            Object d = body.get("data");
            return d instanceof Map ? (Map<String, Object>) d : Map.of();
        }
    }

    /** A failed call: HTTP status (0 when the server could not be reached) and the server's errors. */
    public static final class ApiException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final List<String> errors;
        private final transient Map<String, Object> body;

        ApiException(int status, List<String> errors, String message, Map<String, Object> body) {
            super(message);
            this.status = status;
            this.errors = errors;
            this.body = body;
        }

        public int status() { return status; }
        public List<String> errors() { return errors; }
        public Map<String, Object> body() { return body; }
    }

    public String address() {
        return address.toString();
    }

    public Reply get(String path) {
        return call("GET", path, null);
    }

    public Reply list(String path) {
        return call("LIST", path, null);
    }

    public Reply write(String path, Map<String, Object> body) {
        return call("POST", path, body);
    }

    public Reply delete(String path) {
        return call("DELETE", path, null);
    }

    public Reply patch(String path, Map<String, Object> body) {
        return call("PATCH", path, body);
    }

    /** Calls {@code /v1/<path>}; {@code path} may carry a query string already encoded with {@link #query}. */
    public Reply call(String method, String path, Map<String, Object> body) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(address + "/v1/" + encodePath(p)))
                .timeout(Duration.ofSeconds(60))
                .header("X-Vault-Request", "true");
        if (token != null && !token.isEmpty()) rb.header("X-Vault-Token", token);
        try {
            if (body != null) {
                rb.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
                rb.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            } else {
                rb.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<byte[]> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, Object> parsed = parse(r.body());
            if (r.statusCode() >= 400) {
                List<String> errors = new ArrayList<>();
                if (parsed.get("errors") instanceof Collection<?> c) for (Object o : c) errors.add(String.valueOf(o));
                String msg = "Error making API request.\n\nURL: " + method + " " + address + "/v1/" + p.replaceAll("\\?.*", "")
                        + "\nCode: " + r.statusCode() + ". Errors:\n\n"
                        + (errors.isEmpty() ? "* (none)" : "* " + String.join("\n* ", errors));
                throw new ApiException(r.statusCode(), errors, msg, parsed);
            }
            return new Reply(r.statusCode(), parsed);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new ApiException(0, List.of(), "cannot reach the server at " + address + " (" + e.getClass().getSimpleName()
                    + "); is it running? set KEYHAVEN_ADDR or VAULT_ADDR", Map.of());
        } catch (HttpTimeoutException e) {
            throw new ApiException(0, List.of(), "the server at " + address + " did not answer in time", Map.of());
        } catch (IOException e) {
            throw new ApiException(0, List.of(), "request to " + address + " failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, List.of(), "interrupted", Map.of());
        }
    }

    private static Map<String, Object> parse(byte[] body) {
        if (body == null || body.length == 0) return new LinkedHashMap<>();
        try {
            Object v = JSON.readValue(body, Object.class);
            if (v instanceof Map) return JSON.convertValue(v, MAP);
        } catch (IOException e) {
            // fall through: a non-JSON body (should not happen with a Vault-compatible server)
        }
        return new LinkedHashMap<>();
    }

    public static String query(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            sb.append(sb.length() == 0 ? '?' : '&')
                    .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /** Percent-encodes each path segment (the query part, if any, is kept as given). */
    static String encodePath(String p) {
        int q = p.indexOf('?');
        String path = q < 0 ? p : p.substring(0, q);
        String rest = q < 0 ? "" : p.substring(q);
        StringBuilder sb = new StringBuilder();
        for (String seg : path.split("/", -1)) {
            if (sb.length() > 0 || path.startsWith("/")) sb.append('/');
            sb.append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb + rest;
    }

    private static SSLContext sslContextFor(Path caCert) {
        try (InputStream in = Files.newInputStream(caCert)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, (X509Certificate) c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot read CA certificate " + caCert + ": " + e.getMessage());
        }
    }
}
