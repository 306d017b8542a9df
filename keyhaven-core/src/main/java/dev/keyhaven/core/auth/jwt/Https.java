package dev.keyhaven.core.auth.jwt;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The only way the JWT method reaches the network: HTTPS GET of discovery documents and JWKS, with an optional CA
 * bundle (PEM), a connect/request timeout, a response-size cap and no redirects.
 */
final class Https {
    static final int MAX_BODY = 1024 * 1024;
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A fetch that failed; the message is safe to show (no response body is ever included). */
    static final class FetchException extends Exception {
        private static final long serialVersionUID = 1L;

        FetchException(String message) {
            super(message);
        }
    }

    private Https() {}

    /** Validates a URL the method will fetch: https, a host, no user info, no fragment. */
    static URI checkUrl(String raw) throws FetchException {
        URI u;
        try {
            u = new URI(raw.strip());
        } catch (java.net.URISyntaxException e) {
            throw new FetchException("invalid URL");
        }
        if (u.getScheme() == null || !u.getScheme().toLowerCase(Locale.ROOT).equals("https")) throw new FetchException("URL must use https");
        if (u.getHost() == null || u.getHost().isEmpty()) throw new FetchException("URL has no host");
        if (u.getRawUserInfo() != null) throw new FetchException("URL must not contain user info");
        if (u.getRawFragment() != null) throw new FetchException("URL must not contain a fragment");
        return u;
    }

    /** Parses a PEM bundle of CA certificates. Throws IllegalArgumentException when none can be parsed. */
    static Collection<? extends Certificate> parseCaPem(String pem) {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.strip().getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) throw new IllegalArgumentException("no certificate");
            return certs;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("could not parse CA PEM value successfully");
        }
    }

    /** A client trusting only {@code caPem} when given, else the JDK's default trust store. */
    static HttpClient client(String caPem) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
        if (!caPem.isBlank()) {
            try {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                int i = 0;
                for (Certificate c : parseCaPem(caPem)) ks.setCertificateEntry("ca" + i++, c);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), null);
                b.sslContext(ctx);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalArgumentException("could not parse CA PEM value successfully");
            }
        }
        return b.build();
    }

    /** GET → body bytes; 200 only, at most {@link #MAX_BODY} bytes. */
    static byte[] get(HttpClient client, URI uri) throws FetchException {
        Answer a = send(client, HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET().build(), "fetching from");
        if (a.status() != 200) throw new FetchException("unexpected HTTP status " + a.status() + " from " + hostOf(uri));
        return a.body();
    }

    /**
     * POSTs a form (an OAuth 2.0 token request) with HTTP Basic client authentication and returns the body of a 200.
     * Any other status fails with the provider's OAuth error code and description (RFC 6749 §5.2), never the body.
     */
    static byte[] postForm(HttpClient client, URI uri, String form, String basicAuth) throws FetchException {
        Answer a = send(client, HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded").header("Authorization", basicAuth)
                .POST(HttpRequest.BodyPublishers.ofString(form, java.nio.charset.StandardCharsets.UTF_8)).build(), "posting to");
        if (a.status() == 200) return a.body();
        String why = "unexpected HTTP status " + a.status() + " from " + hostOf(uri);
        try {
            java.util.Map<String, Object> err = dev.keyhaven.core.util.Json.parseObject(a.body());
            if (err.get("error") instanceof String code) {
                why = "oauth2: \"" + safe(code) + "\"" + (err.get("error_description") instanceof String d ? " \"" + safe(d) + "\"" : "");
            }
        } catch (RuntimeException notJson) {
            // keep the status
        }
        throw new FetchException(why);
    }

    private record Answer(int status, byte[] body) {}

    /** Sends a request and reads at most {@link #MAX_BODY} bytes of the answer; failures say what went wrong, never the body. */
    private static Answer send(HttpClient client, HttpRequest req, String doing) throws FetchException {
        URI uri = req.uri();
        try {
            HttpResponse<InputStream> resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                byte[] body = in.readNBytes(MAX_BODY + 1);
                if (resp.statusCode() == 200 && body.length > MAX_BODY) {
                    throw new FetchException("response from " + hostOf(uri) + " is larger than " + MAX_BODY + " bytes");
                }
                return new Answer(resp.statusCode(), body.length > MAX_BODY ? java.util.Arrays.copyOf(body, MAX_BODY) : body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException("interrupted while " + doing + " " + hostOf(uri));
        } catch (java.net.http.HttpTimeoutException e) {
            throw new FetchException("timed out " + doing + " " + hostOf(uri));
        } catch (javax.net.ssl.SSLException e) {
            throw new FetchException("TLS error talking to " + hostOf(uri) + " (check the CA PEM)");
        } catch (IOException e) {
            throw new FetchException("could not " + (doing.startsWith("fetching") ? "fetch from " : "post to ") + hostOf(uri) + ": " + e.getClass().getSimpleName());
        }
    }

    private static String safe(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7e…]", "?").replace("\"", "'");
    }

    /**
     * The OpenID discovery document of {@code issuer} (its {@code /.well-known/openid-configuration}), whose
     * {@code issuer} must be {@code issuer} exactly, as OIDC Discovery §4.3 requires.
     */
    static java.util.Map<String, Object> discovery(HttpClient client, String issuer) throws FetchException {
        URI doc = checkUrl((issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer) + "/.well-known/openid-configuration");
        java.util.Map<String, Object> m;
        try {
            m = dev.keyhaven.core.util.Json.parseObject(get(client, doc));
        } catch (RuntimeException e) {
            throw new FetchException("the discovery document at " + hostOf(doc) + " is not a JSON object");
        }
        Object named = m.get("issuer");
        if (!(named instanceof String iss) || !iss.equals(issuer)) {
            throw new FetchException("issuer did not match the issuer returned by provider, expected \"" + issuer + "\" got \""
                    + (named instanceof String s ? s.replaceAll("[^\\x20-\\x7e]", "?") : "") + "\"");
        }
        return m;
    }

    static String hostOf(URI u) {
        return u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
    }
}
