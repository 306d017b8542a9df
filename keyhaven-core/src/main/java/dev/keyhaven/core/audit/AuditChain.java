package dev.keyhaven.core.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chain shared by the writer (devices) and the checker ({@link AuditVerifier}): every entry line ends in
 * {@code ,"seq":n,"prev":"<hex sha256 of the previous line>"}; the first entry of a chain has
 * {@link #GENESIS} as its predecessor; the hash of a line is SHA-256 over its exact bytes (prefix included, newline
 * excluded).
 */
public final class AuditChain {
    /** The predecessor hash of entry 1. */
    public static final String GENESIS = "0".repeat(64);
    public static final String CHECKPOINT_TYPE = "checkpoint";
    public static final String ANCHOR_TYPE = "chain_anchor";

    private AuditChain() {}

    /** The chain position of a device: the last written sequence number and that line's hash. */
    public record Head(long seq, String hash) {
        public static final Head EMPTY = new Head(0, GENESIS);
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256(bytes, 0, bytes.length));
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(AuditChain::newSha256);

    /** A fresh SHA-256 digest (every JDK has one). */
    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    public static byte[] sha256(byte[] bytes, int off, int len) {
        MessageDigest md = SHA256.get();
        md.reset();
        md.update(bytes, off, len);
        return md.digest();
    }

    /** The hash of a line from its parts (what {@link #sha256Hex(byte[])} gives for {@code line.bytes()}). */
    static String sha256Hex(AuditDevice.Line line) {
        MessageDigest md = SHA256.get();
        md.reset();
        md.update(line.prefix());
        md.update(line.body(), 0, line.bodyLength());
        md.update(line.tail());
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Appends the chain fields to a compact JSON object body, as parts (nothing copied): {@code {"a":1}} becomes
     * {@code <prefix>{"a":1,"seq":n,"prev":"h"}}.
     */
    static AuditDevice.Line seal(long seq, byte[] prefix, byte[] body, String prev) {
        if (body.length < 2 || body[0] != '{' || body[body.length - 1] != '}') throw new IllegalArgumentException("not a JSON object");
        String tail = (body.length > 2 ? "," : "") + "\"seq\":" + seq + ",\"prev\":\"" + prev + "\"}";
        return new AuditDevice.Line(seq, prefix, body, body.length - 1, tail.getBytes(StandardCharsets.US_ASCII));
    }

    /** The bytes signed by a checkpoint: they bind its sequence number, predecessor hash, time and key. */
    public static byte[] checkpointMessage(long seq, String prev, String time, String keyId) {
        return ("keyhaven-audit-checkpoint\nEd25519\n" + seq + "\n" + prev + "\n" + time + "\n" + keyId).getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes signed by a chain anchor (the first line of a rotated or pruned file). */
    public static byte[] anchorMessage(long firstSeq, String prev, String time, String keyId) {
        return ("keyhaven-audit-anchor\n" + firstSeq + "\n" + prev + "\n" + time + "\n" + keyId).getBytes(StandardCharsets.UTF_8);
    }
}
