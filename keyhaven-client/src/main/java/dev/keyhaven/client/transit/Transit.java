package dev.keyhaven.client.transit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A small client for a Vault-compatible transit engine (Keyhaven or HashiCorp Vault): encrypt, decrypt, rewrap,
 * sign, verify, and sign a JWT with a server-held key. Uses only the JDK's {@link HttpClient}; the token comes
 * from a supplier on every call (so renewed tokens are picked up) and never appears in exceptions or
 * {@link #toString()}. Thread-safe.
 *
 * <pre>{@code
 * Transit transit = Transit.builder(URI.create("https://keyhaven:8200"), () -> token).mount("transit").build();
 * String ct = transit.encrypt("orders", bytes);
 * byte[] pt = transit.decrypt("orders", ct);
 * }</pre>
 */
public final class Transit {
    private final URI address;
    private final String mount;
    private final Supplier<String> token;
    private final HttpClient http;
    private final Duration timeout;

    private Transit(Builder b) {
        String a = b.address.toString();
        this.address = URI.create(a.endsWith("/") ? a.substring(0, a.length() - 1) : a);
        this.mount = trimSlashes(b.mount);
        this.token = b.token;
        this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(b.timeout).build();
        this.timeout = b.timeout;
    }

    public static Builder builder(URI address, Supplier<String> token) {
        return new Builder(address, token);
    }

    /** Signing options; {@link #defaults()} is Vault's defaults (sha2-256, not prehashed, PSS for RSA, ASN.1). */
    public record SignOptions(String hashAlgorithm, boolean prehashed, String signatureAlgorithm, String marshalingAlgorithm, int keyVersion) {
        public SignOptions {
            Objects.requireNonNull(hashAlgorithm, "hashAlgorithm");
            Objects.requireNonNull(signatureAlgorithm, "signatureAlgorithm");
            Objects.requireNonNull(marshalingAlgorithm, "marshalingAlgorithm");
        }

        public static SignOptions defaults() {
            return new SignOptions("sha2-256", false, "pss", "asn1", 0);
        }

        public SignOptions withHash(String h) { return new SignOptions(h, prehashed, signatureAlgorithm, marshalingAlgorithm, keyVersion); }
        public SignOptions withPrehashed(boolean p) { return new SignOptions(hashAlgorithm, p, signatureAlgorithm, marshalingAlgorithm, keyVersion); }
        public SignOptions withSignatureAlgorithm(String a) { return new SignOptions(hashAlgorithm, prehashed, a, marshalingAlgorithm, keyVersion); }
        public SignOptions withMarshaling(String m) { return new SignOptions(hashAlgorithm, prehashed, signatureAlgorithm, m, keyVersion); }
        public SignOptions withKeyVersion(int v) { return new SignOptions(hashAlgorithm, prehashed, signatureAlgorithm, marshalingAlgorithm, v); }

        Map<String, Object> fields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hash_algorithm", hashAlgorithm);
            m.put("prehashed", prehashed);
            m.put("signature_algorithm", signatureAlgorithm);
            m.put("marshaling_algorithm", marshalingAlgorithm);
            if (keyVersion != 0) m.put("key_version", keyVersion);
            return m;
        }
    }

    /** Encrypts with the key's latest version; returns Vault's {@code vault:vN:...} ciphertext. */
    public String encrypt(String key, byte[] plaintext) {
        return encrypt(key, plaintext, null);
    }

    /** Encrypts with associated data (authenticated, not encrypted; AEAD key types only). */
    public String encrypt(String key, byte[] plaintext, byte[] associatedData) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("plaintext", b64(plaintext));
        if (associatedData != null) body.put("associated_data", b64(associatedData));
        return string(post("encrypt/" + name(key), body), "ciphertext");
    }

    /** Encrypts many values in one request; results are in input order. */
    public List<String> encryptBatch(String key, List<byte[]> plaintexts) {
        List<Object> items = new ArrayList<>();
        for (byte[] p : plaintexts) items.add(Map.of("plaintext", b64(p)));
        Map<String, Object> data = post("encrypt/" + name(key), Map.of("batch_input", items));
        List<String> out = new ArrayList<>();
        for (Object r : list(data, "batch_results")) out.add(string(asMap(r), "ciphertext"));
        return out;
    }

    public byte[] decrypt(String key, String ciphertext) {
        return decrypt(key, ciphertext, null);
    }

    public byte[] decrypt(String key, String ciphertext, byte[] associatedData) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ciphertext", Objects.requireNonNull(ciphertext, "ciphertext"));
        if (associatedData != null) body.put("associated_data", b64(associatedData));
        return Base64.getDecoder().decode(string(post("decrypt/" + name(key), body), "plaintext"));
    }

    /** Re-encrypts a ciphertext under the key's latest version without the plaintext leaving the server. */
    public String rewrap(String key, String ciphertext) {
        return string(post("rewrap/" + name(key), Map.of("ciphertext", Objects.requireNonNull(ciphertext, "ciphertext"))), "ciphertext");
    }

    public String sign(String key, byte[] input) {
        return sign(key, input, SignOptions.defaults());
    }

    /** Signs {@code input} (or a digest, when prehashed); returns {@code vault:vN:...}. */
    public String sign(String key, byte[] input, SignOptions options) {
        Map<String, Object> body = options.fields();
        body.put("input", b64(input));
        return string(post("sign/" + name(key), body), "signature");
    }

    public boolean verify(String key, byte[] input, String signature) {
        return verify(key, input, signature, SignOptions.defaults());
    }

    public boolean verify(String key, byte[] input, String signature, SignOptions options) {
        Map<String, Object> body = options.fields();
        body.remove("key_version");
        body.put("input", b64(input));
        body.put("signature", Objects.requireNonNull(signature, "signature"));
        Object v = post("verify/" + name(key), body).get("valid");
        if (!(v instanceof Boolean b)) throw new TransitException(200, List.of(), "malformed verify response: no boolean 'valid'", null);
        return b;
    }

    /** Keyhaven key ring: a compact JWS over {@code claims}, signed in the server; {@code ttl} sets iat/exp. */
    public String signJwt(String key, Map<String, Object> claims, Duration ttl) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("claims", claims);
        if (ttl != null) body.put("ttl", ttl.toSeconds());
        return string(post("jwt/sign/" + name(key), body), "token");
    }

    private Map<String, Object> post(String path, Map<String, Object> body) {
        String t = token.get();
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(address + "/v1/" + mount + "/" + path))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-Vault-Request", "true")
                .POST(HttpRequest.BodyPublishers.ofString(MiniJson.write(body)));
        if (t != null && !t.isEmpty()) rb.header("X-Vault-Token", t);
        HttpResponse<String> r;
        try {
            r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TransitException(0, List.of(), "transit request to " + mount + "/" + operation(path) + " failed: " + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransitException(0, List.of(), "interrupted", e);
        }
        Map<String, Object> json;
        try {
            json = r.body().isBlank() ? Map.of() : MiniJson.parseObject(r.body());
        } catch (IllegalArgumentException e) {
            throw new TransitException(r.statusCode(), List.of(), "transit " + operation(path) + " answered " + r.statusCode() + " with a body that is not JSON", null);
        }
        if (r.statusCode() >= 400) {
            List<String> errors = new ArrayList<>();
            if (json.get("errors") instanceof List<?> l) for (Object o : l) errors.add(String.valueOf(o));
            throw new TransitException(r.statusCode(), errors, "transit " + operation(path) + " failed with " + r.statusCode()
                    + (errors.isEmpty() ? "" : ": " + String.join("; ", errors)), null);
        }
        Object data = json.get("data");
        if (!(data instanceof Map)) throw new TransitException(r.statusCode(), List.of(), "transit " + operation(path) + " answered without data", null);
        return asMap(data);
    }

    private static String operation(String path) {
        int slash = path.indexOf('/');
        return slash < 0 ? path : path.substring(0, slash);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        if (!(o instanceof Map)) throw new TransitException(200, List.of(), "malformed transit response", null);
        return (Map<String, Object>) o;
    }

    private static List<?> list(Map<String, Object> data, String field) {
        if (!(data.get(field) instanceof List<?> l)) throw new TransitException(200, List.of(), "malformed transit response: no " + field, null);
        return l;
    }

    private static String string(Map<String, Object> data, String field) {
        if (!(data.get(field) instanceof String s)) throw new TransitException(200, List.of(), "malformed transit response: no " + field, null);
        return s;
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(Objects.requireNonNull(b));
    }

    private static String name(String key) {
        if (key == null || !key.matches("\\w(?:[\\w\\-.@]*\\w)?")) throw new IllegalArgumentException("invalid transit key name");
        return key;
    }

    static String trimSlashes(String s) {
        String m = s;
        while (m.startsWith("/")) m = m.substring(1);
        while (m.endsWith("/")) m = m.substring(0, m.length() - 1);
        if (m.isEmpty()) throw new IllegalArgumentException("empty mount path");
        return m;
    }

    @Override
    public String toString() {
        return "Transit[" + address + "/v1/" + mount + "]";
    }

    public static final class Builder {
        private final URI address;
        private final Supplier<String> token;
        private String mount = "transit";
        private HttpClient http;
        private Duration timeout = Duration.ofSeconds(30);

        private Builder(URI address, Supplier<String> token) {
            this.address = Objects.requireNonNull(address, "address");
            this.token = Objects.requireNonNull(token, "token");
        }

        public Builder mount(String mount) { this.mount = Objects.requireNonNull(mount); return this; }
        public Builder httpClient(HttpClient http) { this.http = Objects.requireNonNull(http); return this; }
        public Builder timeout(Duration timeout) { this.timeout = Objects.requireNonNull(timeout); return this; }
        public Transit build() { return new Transit(this); }
    }
}
