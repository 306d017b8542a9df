package dev.keyhaven.client.vault;

import dev.keyhaven.client.AccessDeniedException;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SourceException;
import dev.keyhaven.client.internal.Json;
import dev.keyhaven.client.redact.Redactor;
import dev.keyhaven.client.spi.SourceValue;
import dev.keyhaven.client.spi.VersionedSecretSource;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Secrets from a Keyhaven server or any Vault-compatible server's KV version 2 engine.
 *
 * <p>Names map to values in two ways, checked in this order:
 * <ol>
 *   <li>explicit mappings, {@code map("DB_PASSWORD", "app/prod#db_password")}: that key of that secret;</li>
 *   <li>paths, {@code path("app/prod")}: every key of the secret's data becomes a name; with several paths
 *       the first path holding the key wins.</li>
 * </ol>
 * A secret read once serves every name in it until the cache TTL passes (default 5 minutes) or
 * {@link #refresh()} is called. A 404 (no such secret, or its latest version deleted) is "not here" and the
 * chain moves on; 403 is {@link dev.keyhaven.client.AccessDeniedException}, a sealed server
 * {@link dev.keyhaven.client.SealedException}, an unreachable one
 * {@link dev.keyhaven.client.SourceUnavailableException}. A token refused with 403 after a login method
 * issued it triggers one fresh login and one retry.
 *
 * <p>{@link #previous(String)} reads {@code metadata/<path>} for {@code current_version} and returns the newest
 * older version that is neither deleted nor destroyed (the policy must allow {@code read} on
 * {@code <mount>/metadata/<path>}).
 */
public final class VaultKvSource implements VersionedSecretSource {

    private static final Pattern PATH = Pattern.compile("[^/#?]+(/[^/#?]+)*");

    private final String name;
    private final String mount;
    private final List<String> paths;
    private final Map<String, PathKey> mappings;
    private final Duration cacheTtl;
    private final LongSupplier nanoTime;
    private final VaultHttp http;
    private final TokenManager tokens;
    private final Map<String, Doc> cache = new ConcurrentHashMap<>();

    private record PathKey(String path, String key) {
    }

    /** One read of one secret path: its data (empty when absent) and its version. */
    private record Doc(Map<String, Object> data, int version, boolean exists, long readAtNanos) {
        @Override
        public String toString() {
            return "Doc[version=" + version + "]";
        }
    }

    private VaultKvSource(Builder b, VaultHttp http, VaultAuth auth) {
        this.name = b.name;
        this.mount = b.mount;
        this.paths = List.copyOf(b.paths);
        this.mappings = Map.copyOf(b.mappings);
        this.cacheTtl = b.cacheTtl;
        this.nanoTime = b.nanoTime;
        this.http = http;
        this.tokens = new TokenManager(http, auth, b.renewToken);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /** The server address. */
    public URI address() {
        return http.address();
    }

    @Override
    public Optional<SourceValue> lookup(String secretName) {
        Objects.requireNonNull(secretName, "name");
        PathKey mapped = mappings.get(secretName);
        if (mapped != null) {
            Doc doc = read(mapped.path(), 0);
            return value(doc, mapped.path(), mapped.key());
        }
        for (String p : paths) {
            Doc doc = read(p, 0);
            if (doc.data().containsKey(secretName)) {
                return value(doc, p, secretName);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<SourceValue> previous(String secretName) {
        PathKey where = locate(secretName);
        if (where == null) {
            return Optional.empty();
        }
        String metaPath = mount + "/metadata/" + where.path();
        VaultHttp.Answer meta = call("GET", VaultHttp.encodePath(mount) + "/metadata/" + VaultHttp.encodePath(where.path()),
                "reading " + metaPath);
        if (meta.status() == 404) {
            return Optional.empty();
        }
        Map<String, Object> data = Json.object(meta.body(), "data");
        long currentVersion = Json.number(data, "current_version", 0);
        Map<String, Object> versions = Json.object(data, "versions");
        int best = 0;
        Instant now = Instant.now();
        for (Map.Entry<String, Object> e : versions.entrySet()) {
            int v;
            try {
                v = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                continue;
            }
            if (v >= currentVersion || v <= best || !(e.getValue() instanceof Map)) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> vm = (Map<String, Object>) e.getValue();
            if (Json.bool(vm, "destroyed") || deleted(Json.string(vm, "deletion_time"), now)) {
                continue;
            }
            best = v;
        }
        if (best == 0) {
            return Optional.empty();
        }
        Doc doc = read(where.path(), best);
        return value(doc, where.path(), where.key());
    }

    /** Where a name lives: its mapping, or the first configured path that has it. */
    private PathKey locate(String secretName) {
        PathKey mapped = mappings.get(secretName);
        if (mapped != null) {
            return mapped;
        }
        for (String p : paths) {
            if (read(p, 0).data().containsKey(secretName)) {
                return new PathKey(p, secretName);
            }
        }
        return null;
    }

    private static boolean deleted(String deletionTime, Instant now) {
        if (deletionTime == null || deletionTime.isEmpty()) {
            return false;
        }
        try {
            return !Instant.parse(deletionTime).isAfter(now); // a future time is a scheduled deletion
        } catch (DateTimeParseException e) {
            return true;
        }
    }

    private Optional<SourceValue> value(Doc doc, String path, String key) {
        if (!doc.exists() || !doc.data().containsKey(key)) {
            return Optional.empty();
        }
        Object raw = doc.data().get(key);
        if (raw == null) {
            return Optional.empty();
        }
        String text;
        if (raw instanceof String s) {
            text = s;
        } else if (raw instanceof Long || raw instanceof BigDecimal || raw instanceof Boolean) {
            text = raw.toString();
        } else {
            text = Json.write(raw);
        }
        String location = mount + "/" + path + "#" + key + (doc.version() > 0 ? " (version " + doc.version() + ")" : "");
        Secret s = Secret.of(text);
        return Optional.of(doc.version() > 0 ? SourceValue.of(s, location, doc.version()) : SourceValue.of(s, location));
    }

    /** Reads {@code data/<path>} (version 0 = latest), through the cache for the latest version. */
    private Doc read(String path, int version) {
        long now = nanoTime.getAsLong();
        if (version == 0) {
            Doc cached = cache.get(path);
            if (cached != null && now - cached.readAtNanos() < cacheTtl.toNanos()) {
                return cached;
            }
        }
        String logical = mount + "/data/" + path;
        String url = VaultHttp.encodePath(mount) + "/data/" + VaultHttp.encodePath(path) + (version > 0 ? "?version=" + version : "");
        VaultHttp.Answer a = call("GET", url, "reading " + logical + (version > 0 ? " version " + version : ""));
        Doc doc;
        if (a.status() == 404) {
            doc = new Doc(Map.of(), 0, false, now);
        } else {
            Map<String, Object> outer = Json.object(a.body(), "data");
            if ((!Json.isObject(outer, "data") && outer.get("data") != null) || !Json.isObject(outer, "metadata")) {
                // a KV v1 mount answers data/<path> with whatever was stored there and no version metadata
                throw new SourceException(name, "the answer for " + logical + " is not KV version 2 data (no version "
                        + "metadata); is " + mount + "/ a KV v1 mount? Mount it as kv-v2 or point mount(...) at one");
            }
            Map<String, Object> data = Json.object(outer, "data");
            int v = (int) Json.number(Json.object(outer, "metadata"), "version", 0);
            doc = new Doc(Map.copyOf(withoutNullKeys(data)), v, outer.get("data") != null, now);
        }
        if (version == 0) {
            cache.put(path, doc);
        }
        return doc;
    }

    private static Map<String, Object> withoutNullKeys(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    private VaultHttp.Answer call(String method, String url, String what) {
        Secret token = tokens.token();
        try {
            return http.send(method, url, token, null, what);
        } catch (AccessDeniedException denied) {
            if (tokens.refreshAfterDenied(token)) {
                return http.send(method, url, tokens.token(), null, what);
            }
            throw denied;
        }
    }

    @Override
    public void refresh() {
        cache.clear();
    }

    @Override
    public void close() {
        tokens.close();
        cache.clear();
    }

    /** Package-private view for tests of the renewal schedule. */
    TokenManager tokenManager() {
        return tokens;
    }

    @Override
    public String toString() {
        return "VaultKvSource[" + name + " " + http.address() + " mount=" + mount + " paths=" + paths + "]";
    }

    /** Configures a {@link VaultKvSource}. */
    public static final class Builder {
        private String name = "vault";
        private URI address;
        private String namespace;
        private String mount = "secret";
        private final List<String> paths = new ArrayList<>();
        private final Map<String, PathKey> mappings = new LinkedHashMap<>();
        private VaultAuth auth;
        private Duration cacheTtl = Duration.ofMinutes(5);
        private Duration timeout = Duration.ofSeconds(10);
        private boolean renewToken = true;
        private SSLContext sslContext;
        private Path caCert;
        private Redactor redactor = Redactor.global();
        private Map<String, String> environment = System.getenv();
        private Path home = Path.of(System.getProperty("user.home", "."));
        private LongSupplier nanoTime = System::nanoTime;

        private Builder() {
        }

        /** Source name in messages and {@code explain()}; default {@code "vault"}. */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("source name is empty");
            }
            this.name = name;
            return this;
        }

        /** Server address, e.g. {@code https://keyhaven.internal:8200}. Default: KEYHAVEN_ADDR, then VAULT_ADDR. */
        public Builder address(String address) {
            URI u;
            try {
                u = URI.create(address.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid server address: " + address);
            }
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                throw new IllegalArgumentException("server address must be http(s)://host[:port], got: " + address);
            }
            this.address = u;
            return this;
        }

        /** {@code X-Vault-Namespace} to send (Vault Enterprise / OpenBao namespaces). Default: VAULT_NAMESPACE. */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** KV v2 mount path; default {@code secret}. */
        public Builder mount(String mount) {
            this.mount = LoginSupport.checkMount(mount, "KV mount path");
            return this;
        }

        /** A secret path whose every key becomes a name. May be called several times; earlier paths win. */
        public Builder path(String path) {
            paths.add(checkPath(path));
            return this;
        }

        /** Maps {@code name} to one key of one secret: {@code "app/prod#db_password"}. */
        public Builder map(String name, String pathAndKey) {
            int hash = pathAndKey.lastIndexOf('#');
            if (hash <= 0 || hash == pathAndKey.length() - 1) {
                throw new IllegalArgumentException("mapping for " + name + " must look like path#key, got: " + pathAndKey);
            }
            mappings.put(Objects.requireNonNull(name, "name"),
                    new PathKey(checkPath(pathAndKey.substring(0, hash)), pathAndKey.substring(hash + 1)));
            return this;
        }

        /** How to get a token. Default: KEYHAVEN_TOKEN, VAULT_TOKEN, then ~/.vault-token. */
        public Builder auth(VaultAuth auth) {
            this.auth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** A fixed token. */
        public Builder token(Secret token) {
            return auth(StaticToken.of(token));
        }

        /** How long a secret read serves lookups; {@code Duration.ZERO} reads on every lookup. Default 5 minutes. */
        public Builder cacheTtl(Duration ttl) {
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("cache TTL is negative");
            }
            this.cacheTtl = ttl;
            return this;
        }

        /** Connect and request timeout; default 10 seconds. */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /** Whether to renew renewable tokens in the background; default true. */
        public Builder renewToken(boolean renew) {
            this.renewToken = renew;
            return this;
        }

        /** TLS settings for a server with a private CA. */
        public Builder sslContext(SSLContext ssl) {
            this.sslContext = Objects.requireNonNull(ssl, "ssl");
            return this;
        }

        /** A PEM file of CA certificates to trust. Default: KEYHAVEN_CACERT, then VAULT_CACERT. */
        public Builder caCertificate(Path pem) {
            this.caCert = Objects.requireNonNull(pem, "pem");
            return this;
        }

        /** Where loaded tokens are registered for log masking; default {@link Redactor#global()}. */
        public Builder redactor(Redactor redactor) {
            this.redactor = Objects.requireNonNull(redactor, "redactor");
            return this;
        }

        /** The environment to read defaults from (address, token, CA, namespace); default the process's. */
        public Builder environment(Map<String, String> env) {
            this.environment = Map.copyOf(env);
            return this;
        }

        /** Home directory holding {@code .vault-token}; default {@code user.home}. */
        public Builder homeDirectory(Path home) {
            this.home = Objects.requireNonNull(home, "home");
            return this;
        }

        Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
            return this;
        }

        private static String checkPath(String path) {
            String p = Objects.requireNonNull(path, "path").strip();
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
            while (p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            if (!PATH.matcher(p).matches() || p.contains("..")) {
                throw new IllegalArgumentException("invalid secret path: " + path);
            }
            return p;
        }

        /**
         * Builds the source. Nothing is sent to the server yet.
         *
         * @throws IllegalStateException when no address or no token is configured or found
         */
        public VaultKvSource build() {
            if (paths.isEmpty() && mappings.isEmpty()) {
                throw new IllegalStateException("vault source '" + name + "' needs at least one path(...) or map(...)");
            }
            if (address == null) {
                String a = firstSet("KEYHAVEN_ADDR", "VAULT_ADDR");
                if (a == null) {
                    throw new IllegalStateException("vault source '" + name + "' has no server address: call address(...) or set KEYHAVEN_ADDR or VAULT_ADDR");
                }
                address(a);
            }
            if (namespace == null) {
                namespace = firstSet("KEYHAVEN_NAMESPACE", "VAULT_NAMESPACE");
            }
            VaultAuth a = auth;
            if (a == null) {
                a = StaticToken.fromEnvironment(environment, home).orElseThrow(() -> new IllegalStateException(
                        "vault source '" + name + "' has no token: set KEYHAVEN_TOKEN or VAULT_TOKEN, write ~/.vault-token, or configure auth(...)"));
            }
            if (a instanceof StaticToken st) {
                redactor.add(st.token());
            }
            SSLContext ssl = sslContext;
            if (ssl == null) {
                Path ca = caCert;
                if (ca == null) {
                    String env = firstSet("KEYHAVEN_CACERT", "VAULT_CACERT");
                    ca = env == null ? null : Path.of(env);
                }
                if (ca != null) {
                    ssl = trusting(ca);
                }
            }
            return new VaultKvSource(this, new VaultHttp(name, address, namespace, timeout, ssl, redactor), a);
        }

        private String firstSet(String... vars) {
            for (String v : vars) {
                String s = environment.get(v);
                if (s != null && !s.isBlank()) {
                    return s.strip();
                }
            }
            return null;
        }

        private static SSLContext trusting(Path pem) {
            try (InputStream in = Files.newInputStream(pem)) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                int i = 0;
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("ca-" + i++, c);
                }
                if (i == 0) {
                    throw new IllegalStateException("no certificate found in " + pem);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), null);
                return ctx;
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot load CA certificates from " + pem + " (" + e.getClass().getSimpleName() + ")");
            }
        }
    }
}
