package dev.keyhaven.server;

import dev.keyhaven.core.alerts.AlertConfig;
import dev.keyhaven.core.alerts.Observability;
import dev.keyhaven.core.hcl.Hcl;
import dev.keyhaven.core.hcl.HclBody;
import dev.keyhaven.core.hcl.HclException;
import dev.keyhaven.core.notify.WebhookSigner;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import dev.keyhaven.core.audit.AuditRetention;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server configuration, read from Vault's HCL form:
 *
 * <pre>
 * storage "sqlite" { path = "/var/lib/keyhaven/keyhaven.db" }
 * listener "tcp" { address = "127.0.0.1:8200"  tls_disable = true }
 * seal "file" { path = "/var/lib/keyhaven/unseal.key" }   # optional auto-unseal (development)
 * api_addr = "http://127.0.0.1:8200"
 * cluster_name = "prod"
 * log_level = "info"
 * telemetry {                                              # optional; see docs/observability.md
 *   unauthenticated_metrics_access = false
 *   alert_webhook_url         = "https://hooks.example.com/keyhaven"
 *   alert_webhook_secret_file = "/etc/keyhaven/webhook.secret"
 * }
 * </pre>
 *
 * Unknown keys and bad values are rejected with {@link ConfigException}: {@code file:line: message}.
 */
public record ServerConfig(
        StorageConfig storage,
        List<ListenerConfig> listeners,
        Optional<Path> sealKeyFile,
        String apiAddr,
        String clusterName,
        String logLevel,
        boolean ui,
        long defaultMaxRequestSize,
        Optional<AuditRetention> auditRetention,
        Observability.Config telemetry) {

    public static final long DEFAULT_MAX_REQUEST_SIZE = 32L * 1024 * 1024;

    /** {@code storage "sqlite" { path = ... }}. */
    public record StorageConfig(String type, Path path) {}

    /** {@code listener "tcp" { ... }}. */
    public record ListenerConfig(String address, boolean tlsDisable, Optional<Path> tlsCertFile, Optional<Path> tlsKeyFile, String tlsMinVersion,
                                 long maxRequestSize, Duration readTimeout, Duration idleTimeout, ForwardedFor forwardedFor) {
        public String host() {
            int i = address.lastIndexOf(':');
            String h = address.substring(0, i);
            return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        }

        public int port() {
            return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }
    }

    /** A config error: names the file, line and key. */
    public static final class ConfigException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ConfigException(String message) {
            super(message);
        }
    }

    private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "warning", "error", "err", "off");

    public static ServerConfig load(Path file) {
        String name = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name + ": no such file");
        } catch (MalformedInputException e) {
            throw new ConfigException(name + ": not valid UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot read (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        return parse(name, text, file.toAbsolutePath().getParent());
    }

    private static final Pattern HCL_POS = Pattern.compile("^line (\\d+), column (\\d+): (.*)$", Pattern.DOTALL);

    /** Parses config text; relative paths resolve against {@code baseDir}. */
    public static ServerConfig parse(String name, String text, Path baseDir) {
        HclBody root;
        try {
            root = Hcl.parse(text);
        } catch (HclException e) {
            Matcher m = HCL_POS.matcher(e.getMessage());
            String msg = m.matches() ? m.group(3) : e.getMessage();
            throw new ConfigException(name + ":" + e.line() + ": syntax error: " + msg);
        }
        return new Reader(name, baseDir).read(root);
    }

    private static final class Reader {
        private final String file;
        private final Path baseDir;

        Reader(String file, Path baseDir) {
            this.file = file;
            this.baseDir = baseDir;
        }

        ConfigException err(int line, String msg) {
            return new ConfigException(file + ":" + line + ": " + msg);
        }

        ServerConfig read(HclBody root) {
            Set<String> topAttrs = Set.of("api_addr", "cluster_addr", "cluster_name", "log_level", "ui", "default_max_request_size", "disable_mlock", "log_format");
            Set<String> topBlocks = Set.of("storage", "listener", "seal", "audit_retention", "telemetry");
            checkAttrs(root, topAttrs, "");
            for (Hcl.Block b : root.blocks()) {
                if (!topBlocks.contains(b.type())) throw err(b.line(), "unknown block \"" + b.type() + "\"" + hint(b.type(), topBlocks, topAttrs));
            }
            long defaultMax = root.attribute("default_max_request_size").map(a -> size(a, "default_max_request_size")).orElse(DEFAULT_MAX_REQUEST_SIZE);

            // storage
            List<Hcl.Block> storages = root.blocks("storage");
            if (storages.isEmpty()) throw err(1, "missing required block: storage \"sqlite\" { path = \"...\" }");
            if (storages.size() > 1) throw err(storages.get(1).line(), "storage is defined more than once (first at line " + storages.get(0).line() + ")");
            Hcl.Block st = storages.get(0);
            String stType = singleLabel(st, "storage");
            if (!stType.equals("sqlite")) throw err(st.line(), "storage type \"" + stType + "\" is not supported (supported: \"sqlite\")");
            checkAttrs(st.body(), Set.of("path"), " in storage \"sqlite\"");
            checkNoBlocks(st, "storage \"sqlite\"");
            Hcl.Attribute pathAttr = st.body().attribute("path").orElseThrow(() -> err(st.line(), "missing required key \"path\" in storage \"sqlite\""));
            StorageConfig storage = new StorageConfig("sqlite", path(pathAttr));

            // listeners
            List<Hcl.Block> lbs = root.blocks("listener");
            if (lbs.isEmpty()) throw err(1, "missing required block: listener \"tcp\" { address = \"127.0.0.1:8200\" }");
            List<ListenerConfig> listeners = new ArrayList<>();
            Map<String, Integer> seenAddr = new HashMap<>();
            for (Hcl.Block lb : lbs) {
                ListenerConfig lc = listener(lb, defaultMax);
                Integer prev = lc.port() == 0 ? null : seenAddr.put(lc.address(), lb.line()); // port 0: a free port each
                if (prev != null) throw err(lb.line(), "listener address \"" + lc.address() + "\" is already used by the listener at line " + prev);
                listeners.add(lc);
            }

            // seal
            Optional<Path> sealKey = Optional.empty();
            List<Hcl.Block> seals = root.blocks("seal");
            if (seals.size() > 1) throw err(seals.get(1).line(), "seal is defined more than once (first at line " + seals.get(0).line() + ")");
            if (!seals.isEmpty()) {
                Hcl.Block sb = seals.get(0);
                String sType = singleLabel(sb, "seal");
                if (!sType.equals("file")) throw err(sb.line(), "seal type \"" + sType + "\" is not supported (supported: \"file\", for development auto-unseal; omit the stanza for Shamir)");
                checkAttrs(sb.body(), Set.of("path"), " in seal \"file\"");
                checkNoBlocks(sb, "seal \"file\"");
                Hcl.Attribute p = sb.body().attribute("path").orElseThrow(() -> err(sb.line(), "missing required key \"path\" in seal \"file\""));
                sealKey = Optional.of(path(p));
            }

            // audit_retention { older_than = "90d", backup_dir = "…", interval = "24h" }: scheduled prune of the store device
            Optional<AuditRetention> retention = Optional.empty();
            List<Hcl.Block> rets = root.blocks("audit_retention");
            if (rets.size() > 1) throw err(rets.get(1).line(), "audit_retention is defined more than once (first at line " + rets.get(0).line() + ")");
            if (!rets.isEmpty()) {
                Hcl.Block rb = rets.get(0);
                if (!rb.labels().isEmpty()) throw err(rb.line(), "audit_retention takes no label");
                checkAttrs(rb.body(), Set.of("older_than", "backup_dir", "interval"), " in audit_retention");
                checkNoBlocks(rb, "audit_retention");
                String older = rb.body().attribute("older_than").map(a -> str(a, "older_than")).orElse(null);
                String backup = rb.body().attribute("backup_dir").map(a -> path(a).toString()).orElse(null);
                String every = rb.body().attribute("interval").map(a -> str(a, "interval")).orElse("24h");
                try {
                    retention = Optional.of(AuditRetention.parse(older, backup, every));
                } catch (IllegalArgumentException e) {
                    throw err(rb.line(), e.getMessage());
                }
            }

            String apiAddr = root.attribute("api_addr").map(a -> str(a, "api_addr")).orElse("");
            if (!apiAddr.isEmpty() && !apiAddr.matches("https?://[^\\s/]+(/.*)?")) {
                throw err(root.attribute("api_addr").get().line(), "invalid value for \"api_addr\": must be a URL like \"https://keyhaven.example.com:8200\"");
            }
            root.attribute("cluster_addr").ifPresent(a -> str(a, "cluster_addr"));
            String clusterName = root.attribute("cluster_name").map(a -> str(a, "cluster_name")).orElse("");
            String logLevel = root.attribute("log_level").map(a -> {
                String v = str(a, "log_level").trim().toLowerCase(Locale.ROOT);
                if (!LOG_LEVELS.contains(v)) throw err(a.line(), "invalid value for \"log_level\": \"" + v + "\" (use trace, debug, info, warn or error)");
                return v;
            }).orElse("info");
            root.attribute("log_format").ifPresent(a -> {
                String v = str(a, "log_format");
                if (!v.equals("standard")) throw err(a.line(), "invalid value for \"log_format\": only \"standard\" is supported");
            });
            boolean ui = root.attribute("ui").map(a -> bool(a, "ui")).orElse(false);
            root.attribute("disable_mlock").ifPresent(a -> bool(a, "disable_mlock"));
            List<Hcl.Block> tels = root.blocks("telemetry");
            if (tels.size() > 1) throw err(tels.get(1).line(), "telemetry is defined more than once (first at line " + tels.get(0).line() + ")");
            Observability.Config telemetry = tels.isEmpty() ? Observability.Config.DEFAULTS : telemetry(tels.get(0));
            return new ServerConfig(storage, List.copyOf(listeners), sealKey, apiAddr, clusterName, logLevel, ui, defaultMax, retention, telemetry);
        }

        /** {@code telemetry { ... }}: Vault's metrics keys plus Keyhaven's alert settings. */
        Observability.Config telemetry(Hcl.Block tb) {
            if (!tb.labels().isEmpty()) throw err(tb.line(), "telemetry takes no label: telemetry { ... }");
            String where = " in telemetry";
            checkAttrs(tb.body(), Set.of("unauthenticated_metrics_access", "prometheus_retention_time", "disable_hostname",
                    "alert_webhook_url", "alert_webhook_secret_file", "alert_webhook_timeout", "alert_brute_force_threshold",
                    "alert_brute_force_window", "alert_spike_factor", "alert_spike_min_requests"), where);
            checkNoBlocks(tb, "telemetry");
            HclBody b = tb.body();
            boolean unauth = b.attribute("unauthenticated_metrics_access").map(a -> bool(a, "unauthenticated_metrics_access")).orElse(false);
            // accepted for Vault compatibility: Keyhaven always serves Prometheus text and never prefixes host names
            b.attribute("prometheus_retention_time").ifPresent(a -> {
                if (!(a.value() instanceof String) && !(a.value() instanceof Long)) throw err(a.line(), "invalid value for \"prometheus_retention_time\": expected a duration");
            });
            b.attribute("disable_hostname").ifPresent(a -> bool(a, "disable_hostname"));
            AlertConfig alerts = AlertConfig.DEFAULTS;
            int threshold = b.attribute("alert_brute_force_threshold").map(a -> (int) count(a, "alert_brute_force_threshold", 2, 1_000_000)).orElse(alerts.bruteForceThreshold());
            Duration window = b.attribute("alert_brute_force_window").map(a -> duration(a, "alert_brute_force_window")).orElse(alerts.bruteForceWindow());
            alerts = alerts.withBruteForce(threshold, window, alerts.bruteForceCooldown());
            double factor = b.attribute("alert_spike_factor").map(a -> {
                double f = a.value() instanceof Long l ? l : a.value() instanceof BigDecimal d ? d.doubleValue() : Double.NaN;
                if (!(f > 1.0 && f <= 1_000_000)) throw err(a.line(), "invalid value for \"alert_spike_factor\": expected a number greater than 1");
                return f;
            }).orElse(alerts.spikeFactor());
            long minRequests = b.attribute("alert_spike_min_requests").map(a -> count(a, "alert_spike_min_requests", 1, 1_000_000_000)).orElse(alerts.spikeMinCount());
            alerts = alerts.withSpike(factor, minRequests, alerts.spikeBucket(), alerts.spikeAlpha(), alerts.spikeWarmup(), alerts.spikeCooldown());
            Optional<URI> url = b.attribute("alert_webhook_url").map(a -> {
                String v = str(a, "alert_webhook_url");
                try {
                    URI u = new URI(v);
                    if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) throw new IllegalArgumentException();
                    return u;
                } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                    throw err(a.line(), "invalid value for \"alert_webhook_url\": must be an absolute http:// or https:// URL");
                }
            });
            Optional<WebhookSigner> signer = b.attribute("alert_webhook_secret_file").map(a -> {
                Path p = path(a);
                byte[] secret;
                try {
                    secret = Files.readString(p, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw err(a.line(), "cannot read \"alert_webhook_secret_file\" " + p + " (" + e.getClass().getSimpleName() + ")");
                }
                if (secret.length < WebhookSigner.MIN_SECRET_BYTES) {
                    throw err(a.line(), "\"alert_webhook_secret_file\" " + p + " must hold at least " + WebhookSigner.MIN_SECRET_BYTES + " bytes of secret");
                }
                return new WebhookSigner(secret);
            });
            if (signer.isPresent() && url.isEmpty()) throw err(tb.line(), "alert_webhook_secret_file is set but alert_webhook_url is not");
            Duration timeout = b.attribute("alert_webhook_timeout").map(a -> {
                Duration d = duration(a, "alert_webhook_timeout");
                if (d.compareTo(Duration.ofMinutes(1)) > 0) throw err(a.line(), "invalid value for \"alert_webhook_timeout\": at most 1m");
                return d;
            }).orElse(Duration.ofSeconds(5));
            return new Observability.Config(unauth, alerts, url, signer, timeout);
        }

        long count(Hcl.Attribute a, String key, long min, long max) {
            if (a.value() instanceof Long l && l >= min && l <= max) return l;
            throw err(a.line(), "invalid value for \"" + key + "\": expected a whole number from " + min + " to " + max);
        }

        ListenerConfig listener(Hcl.Block lb, long defaultMax) {
            String type = singleLabel(lb, "listener");
            if (!type.equals("tcp")) throw err(lb.line(), "listener type \"" + type + "\" is not supported (supported: \"tcp\")");
            String where = " in listener \"tcp\"";
            Set<String> keys = Set.of("address", "tls_disable", "tls_cert_file", "tls_key_file", "tls_min_version", "max_request_size",
                    "http_read_timeout", "http_idle_timeout", "cluster_address", "x_forwarded_for_authorized_addrs", "x_forwarded_for_hop_skips",
                    "x_forwarded_for_reject_not_authorized", "x_forwarded_for_reject_not_present");
            checkAttrs(lb.body(), keys, where);
            checkNoBlocks(lb, "listener \"tcp\"");
            HclBody b = lb.body();
            String address = b.attribute("address").map(a -> {
                String v = str(a, "address");
                if (!v.matches("(\\[[0-9a-fA-F:]+\\]|[^\\s:\\[\\]]+):\\d{1,5}") || Integer.parseInt(v.substring(v.lastIndexOf(':') + 1)) > 65535) {
                    throw err(a.line(), "invalid value for \"address\"" + where + ": \"" + v + "\" (expected host:port, e.g. \"127.0.0.1:8200\")");
                }
                return v;
            }).orElse("127.0.0.1:8200");
            boolean tlsDisable = b.attribute("tls_disable").map(a -> bool(a, "tls_disable")).orElse(false);
            Optional<Path> cert = b.attribute("tls_cert_file").map(this::path);
            Optional<Path> key = b.attribute("tls_key_file").map(this::path);
            if (!tlsDisable && (cert.isEmpty() || key.isEmpty())) {
                throw err(lb.line(), "listener \"tcp\" needs tls_cert_file and tls_key_file, or tls_disable = true");
            }
            String minVersion = b.attribute("tls_min_version").map(a -> {
                String v = str(a, "tls_min_version");
                if (!v.equals("tls12") && !v.equals("tls13")) throw err(a.line(), "invalid value for \"tls_min_version\"" + where + ": \"" + v + "\" (use \"tls12\" or \"tls13\")");
                return v;
            }).orElse("tls12");
            long max = b.attribute("max_request_size").map(a -> size(a, "max_request_size")).orElse(defaultMax);
            Duration read = b.attribute("http_read_timeout").map(a -> duration(a, "http_read_timeout")).orElse(Duration.ofSeconds(30));
            Duration idle = b.attribute("http_idle_timeout").map(a -> duration(a, "http_idle_timeout")).orElse(Duration.ofMinutes(5));
            b.attribute("cluster_address").ifPresent(a -> str(a, "cluster_address"));
            return new ListenerConfig(address, tlsDisable, cert, key, minVersion, max, read, idle, forwardedFor(lb, where));
        }

        /** Vault's {@code x_forwarded_for_*} listener options; off unless the authorized addresses are set. */
        ForwardedFor forwardedFor(Hcl.Block lb, String where) {
            HclBody b = lb.body();
            List<String> addrs = b.attribute("x_forwarded_for_authorized_addrs").map(a -> {
                List<String> raw = new ArrayList<>();
                if (a.value() instanceof String s) raw.addAll(List.of(s.split(",", -1)));
                else if (a.value() instanceof List<?> l) {
                    for (Object o : l) {
                        if (!(o instanceof String s)) throw err(a.line(), "invalid value for \"x_forwarded_for_authorized_addrs\"" + where + ": expected CIDR blocks as strings");
                        raw.add(s);
                    }
                } else {
                    throw err(a.line(), "invalid value for \"x_forwarded_for_authorized_addrs\"" + where + ": expected CIDR blocks, e.g. \"10.0.0.0/8,192.168.1.10/32\"");
                }
                try {
                    List<String> blocks = dev.keyhaven.core.auth.login.Cidrs.validate("x_forwarded_for_authorized_addrs", raw);
                    if (blocks.isEmpty()) throw err(a.line(), "invalid value for \"x_forwarded_for_authorized_addrs\"" + where + ": no CIDR block given");
                    return blocks;
                } catch (dev.keyhaven.core.logical.KeyhavenException e) {
                    throw err(a.line(), e.getMessage() + where);
                }
            }).orElse(List.of());
            int hops = b.attribute("x_forwarded_for_hop_skips").map(a -> {
                Object v = a.value();
                if (v instanceof String s && s.strip().matches("\\d{1,2}")) v = Long.parseLong(s.strip()); // Vault's docs write it "0"
                return (int) count(new Hcl.Attribute(a.name(), v, a.line(), a.column()), "x_forwarded_for_hop_skips", 0, 64);
            }).orElse(0);
            boolean rejectNotAuthorized = b.attribute("x_forwarded_for_reject_not_authorized").map(a -> bool(a, "x_forwarded_for_reject_not_authorized")).orElse(true);
            boolean rejectNotPresent = b.attribute("x_forwarded_for_reject_not_present").map(a -> bool(a, "x_forwarded_for_reject_not_present")).orElse(true);
            if (addrs.isEmpty()) {
                for (String k : List.of("x_forwarded_for_hop_skips", "x_forwarded_for_reject_not_authorized", "x_forwarded_for_reject_not_present")) {
                    b.attribute(k).ifPresent(a -> {
                        throw err(a.line(), "\"" + k + "\"" + where + " has no effect without \"x_forwarded_for_authorized_addrs\"");
                    });
                }
                return ForwardedFor.OFF;
            }
            return new ForwardedFor(addrs, hops, rejectNotAuthorized, rejectNotPresent);
        }

        String singleLabel(Hcl.Block b, String what) {
            if (b.labels().size() != 1) throw err(b.line(), what + " needs exactly one label, e.g. " + what + " \"" + (what.equals("storage") ? "sqlite" : what.equals("seal") ? "file" : "tcp") + "\" { ... }");
            return b.labels().get(0);
        }

        void checkAttrs(HclBody body, Set<String> allowed, String where) {
            Map<String, Integer> seen = new HashMap<>();
            for (Hcl.Attribute a : body.attributes()) {
                if (!allowed.contains(a.name())) throw err(a.line(), "unknown key \"" + a.name() + "\"" + where + hint(a.name(), allowed, Set.of()));
                Integer prev = seen.put(a.name(), a.line());
                if (prev != null) throw err(a.line(), "key \"" + a.name() + "\"" + where + " is set twice (first at line " + prev + ")");
            }
        }

        void checkNoBlocks(Hcl.Block b, String where) {
            if (!b.body().blocks().isEmpty()) {
                Hcl.Block inner = b.body().blocks().get(0);
                throw err(inner.line(), "unknown block \"" + inner.type() + "\" in " + where);
            }
        }

        String hint(String name, Set<String> a, Set<String> b) {
            for (Set<String> s : List.of(a, b)) {
                for (String k : s) if (distance(k, name) <= 2) return " (did you mean \"" + k + "\"?)";
            }
            return "";
        }

        String str(Hcl.Attribute a, String key) {
            if (a.value() instanceof String s) return s;
            throw err(a.line(), "invalid value for \"" + key + "\": expected a string in double quotes");
        }

        Path path(Hcl.Attribute a) {
            String s = str(a, a.name());
            if (s.isBlank()) throw err(a.line(), "invalid value for \"" + a.name() + "\": empty path");
            if (s.chars().anyMatch(c -> c < 0x20)) throw err(a.line(), "invalid value for \"" + a.name() + "\": control characters in path");
            Path p = Path.of(s);
            return p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p);
        }

        boolean bool(Hcl.Attribute a, String key) {
            Object v = a.value();
            if (v instanceof Boolean b) return b;
            if (v instanceof String s) {
                switch (s.trim().toLowerCase(Locale.ROOT)) {
                    case "true": case "1": return true;
                    case "false": case "0": return false;
                    default: break;
                }
            }
            if (v instanceof Long l && (l == 0 || l == 1)) return l == 1;
            throw err(a.line(), "invalid value for \"" + key + "\": expected true or false");
        }

        long size(Hcl.Attribute a, String key) {
            Object v = a.value();
            long n;
            if (v instanceof Long l) n = l;
            else if (v instanceof String s && s.trim().matches("\\d+")) n = Long.parseLong(s.trim());
            else if (v instanceof BigInteger) throw err(a.line(), "invalid value for \"" + key + "\": too large");
            else throw err(a.line(), "invalid value for \"" + key + "\": expected a number of bytes");
            if (n < 0) throw err(a.line(), "invalid value for \"" + key + "\": must not be negative");
            if (n > Integer.MAX_VALUE) throw err(a.line(), "invalid value for \"" + key + "\": at most " + Integer.MAX_VALUE + " bytes");
            return n == 0 ? DEFAULT_MAX_REQUEST_SIZE : n;
        }

        Duration duration(Hcl.Attribute a, String key) {
            Object v = a.value();
            try {
                Duration d;
                if (v instanceof Long l) d = Duration.ofSeconds(l);
                else if (v instanceof String s) d = parseDuration(s.trim());
                else throw new IllegalArgumentException();
                if (d.isNegative() || d.isZero()) throw new IllegalArgumentException();
                return d;
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw err(a.line(), "invalid value for \"" + key + "\": expected a positive duration like \"30s\", \"5m\" or \"1h\"");
            }
        }
    }

    /** Go-style durations: {@code 90}, {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 500ms}. */
    static Duration parseDuration(String s) {
        if (s.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(s));
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(s);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) throw new IllegalArgumentException();
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": d = d.plusMillis(n); break;
                case "s": d = d.plusSeconds(n); break;
                case "m": d = d.plusMinutes(n); break;
                default: d = d.plusHours(n); break;
            }
            end = m.end();
        }
        if (end != s.length() || s.isEmpty()) throw new IllegalArgumentException();
        return d;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
