package dev.keyhaven.core.notify;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs outgoing webhook bodies the way Stripe does, so receivers can reuse well-known verification code.
 *
 * <p>Header: {@code Keyhaven-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>} where the MAC is computed with the
 * shared secret over the bytes {@code "<t>." + body}. Binding the timestamp into the MAC lets a receiver reject
 * replays older than a tolerance (default five minutes). During a change of the shared secret a receiver may see
 * several {@code v1=} entries; {@link #verify} accepts the header if any one matches.
 *
 * <p>The secret never leaves this object: {@link #toString()} is redacted and no method echoes it.
 */
public final class WebhookSigner {
    public static final String HEADER = "Keyhaven-Signature";
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);
    private static final String ALGORITHM = "HmacSHA256";
    /** Shortest shared secret accepted (HMAC-SHA256 keys below 16 bytes are too easy to brute-force). */
    public static final int MIN_SECRET_BYTES = 16;

    private final byte[] secret;

    public WebhookSigner(byte[] secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("webhook secret must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.secret = secret.clone();
    }

    public static WebhookSigner ofUtf8(String secret) {
        return new WebhookSigner(Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8));
    }

    /** The header value for {@code body} sent at {@code at}: {@code t=<unix>,v1=<hex>}. */
    public String header(Instant at, byte[] body) {
        long t = at.getEpochSecond();
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac(t, body));
    }

    /** The hex signature alone for timestamp {@code unixSeconds}. */
    public String signature(long unixSeconds, byte[] body) {
        return HexFormat.of().formatHex(mac(unixSeconds, body));
    }

    /** {@link #verify(String, byte[], Instant, Duration)} with {@link #DEFAULT_TOLERANCE}. */
    public boolean verify(String header, byte[] body, Instant now) {
        return verify(header, body, now, DEFAULT_TOLERANCE);
    }

    /**
     * Whether {@code header} is a valid signature of {@code body} under this secret, made no more than
     * {@code tolerance} away from {@code now}. Malformed headers are simply invalid (never an exception).
     * Comparison is constant-time.
     */
    public boolean verify(String header, byte[] body, Instant now, Duration tolerance) {
        Parsed p = parse(header);
        if (p == null || p.signatures.isEmpty()) return false;
        if (Math.abs(now.getEpochSecond() - p.timestamp) > tolerance.getSeconds()) return false;
        byte[] expected = mac(p.timestamp, body);
        boolean ok = false;
        for (byte[] candidate : p.signatures) ok |= MessageDigest.isEqual(expected, candidate);
        return ok;
    }

    private record Parsed(long timestamp, List<byte[]> signatures) {}

    private static Parsed parse(String header) {
        if (header == null || header.length() > 4096) return null;
        Long t = null;
        List<byte[]> sigs = new ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) return null;
            String k = part.substring(0, eq).strip();
            String v = part.substring(eq + 1).strip();
            if (k.equals("t")) {
                if (t != null || !v.matches("[0-9]{1,12}")) return null;
                t = Long.parseLong(v);
            } else if (k.equals("v1")) {
                if (v.length() != 64) continue;
                try {
                    sigs.add(HexFormat.of().parseHex(v));
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            // unknown schemes (v0, future v2) are ignored, as Stripe's libraries do
        }
        return t == null ? null : new Parsed(t, sigs);
    }

    private byte[] mac(long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            mac.update(Long.toString(unixSeconds).getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            mac.update(body);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** Wipes the secret; the signer is unusable afterwards. */
    public void destroy() {
        Arrays.fill(secret, (byte) 0);
    }

    @Override
    public String toString() {
        return "WebhookSigner[secret=<redacted>]";
    }
}
