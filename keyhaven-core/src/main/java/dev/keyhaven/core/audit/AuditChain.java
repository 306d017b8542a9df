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

    /** Never updated: {@link #startLine} clones it (cloning a digest only reads it, so threads may share it). */
    private static final MessageDigest FRESH = newSha256();

    /**
     * An entry body formatted for one prefix, with a SHA-256 state that has already absorbed the prefix and the body
     * up to its closing brace: the part of the line's hash that does not depend on the chain, computed by whoever
     * formats the entry (the request's thread, in parallel), so the writer, which must hash lines one after another,
     * only adds the tail ({@link #hashWithTail}). {@code started} is never changed: it is cloned for each use.
     */
    record Body(byte[] bytes, byte[] prefix, MessageDigest started) {
        /** A body hashed entirely by the writer (checkpoints). */
        Body(byte[] bytes) {
            this(bytes, null, null);
        }
    }

    /** {@code body} with the hash of {@code prefix + body} (without the closing brace) started. */
    static Body startLine(byte[] prefix, byte[] body) {
        requireObject(body);
        MessageDigest md = cloneOf(FRESH);
        if (prefix.length > 0) md.update(prefix);
        md.update(body, 0, body.length - 1);
        return new Body(body, prefix, md);
    }

    /** Sealing and starting a hash both drop the closing brace: only a compact JSON object's body will do. */
    private static void requireObject(byte[] body) {
        if (body.length < 2 || body[0] != '{' || body[body.length - 1] != '}') throw new IllegalArgumentException("not a JSON object");
    }

    private static MessageDigest cloneOf(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e); // the JDK's can
        }
    }

    /**
     * The hash of a sealed line (what {@link #sha256Hex(AuditDevice.Line)} gives), finishing {@code body}'s started
     * state when it was started for this line's prefix.
     */
    static String hashWithTail(Body body, AuditDevice.Line line) {
        if (body.started() == null || body.bytes() != line.body() || !java.util.Arrays.equals(body.prefix(), line.prefix())) return sha256Hex(line);
        MessageDigest md = cloneOf(body.started());
        md.update(line.tail());
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Appends the chain fields to a compact JSON object body, as parts (nothing copied): {@code {"a":1}} becomes
     * {@code <prefix>{"a":1,"seq":n,"prev":"h"}}.
     */
    static AuditDevice.Line seal(long seq, byte[] prefix, byte[] body, String prev) {
        requireObject(body);
        return new AuditDevice.Line(seq, prefix, body, body.length - 1, tail(body.length > 2, seq, prev));
    }

    private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREV = ",\"prev\":\"".getBytes(StandardCharsets.US_ASCII);

    /** {@code ,"seq":n,"prev":"h"}} (without the comma for an empty object), written straight into its array. */
    private static byte[] tail(boolean comma, long seq, String prev) {
        int digits = 1;
        for (long v = seq; v >= 10; v /= 10) digits++; // seq >= 1
        int n = (comma ? 1 : 0) + SEQ.length + digits + PREV.length + prev.length() + 2;
        byte[] t = new byte[n];
        int i = 0;
        if (comma) t[i++] = ',';
        System.arraycopy(SEQ, 0, t, i, SEQ.length);
        i += SEQ.length;
        long v = seq;
        for (int d = i + digits - 1; d >= i; d--) {
            t[d] = (byte) ('0' + v % 10);
            v /= 10;
        }
        i += digits;
        System.arraycopy(PREV, 0, t, i, PREV.length);
        i += PREV.length;
        for (int c = 0; c < prev.length(); c++) {
            char ch = prev.charAt(c);
            if (ch >= 0x80 || ch == '"' || ch == '\\' || ch < 0x20) return escapedTail(comma, seq, prev); // not a digest (a damaged file's)
            t[i++] = (byte) ch;
        }
        t[i++] = '"';
        t[i] = '}';
        return t;
    }

    private static byte[] escapedTail(boolean comma, long seq, String prev) {
        JsonOut out = new JsonOut(prev.length() + 40);
        if (comma) out.raw((byte) ',');
        out.raw(SEQ).number(seq).raw(PREV, 0, PREV.length - 1).string(prev).raw((byte) '}');
        return out.toBytes();
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
