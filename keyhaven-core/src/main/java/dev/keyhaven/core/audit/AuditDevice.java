package dev.keyhaven.core.audit;

import dev.keyhaven.core.util.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An enabled audit device with its own hash chain. The broker calls {@link #append} under its commit lock (one call
 * per group-commit batch), so a device never sees concurrent appends; {@link #head()} is the last durable position.
 * Every {@code checkpoint_interval} entries (default 5000) and at most {@code checkpoint_seconds} (default 60) after
 * the last one, a {@code checkpoint} entry signed with the install's Ed25519 key is inserted into the chain.
 */
public abstract class AuditDevice implements AutoCloseable {
    /**
     * One chained line ready to be written, kept in its parts so nothing is copied before it reaches the medium:
     * {@code prefix}, the first {@code bodyLength} bytes of {@code body} (the entry without its closing brace) and
     * {@code tail} ({@code ,"seq":n,"prev":"h"}}).
     */
    public record Line(long seq, byte[] prefix, byte[] body, int bodyLength, byte[] tail) {
        private static final byte[] NONE = new byte[0];

        /** A line that is already whole (read back from a store, or an anchor). */
        public Line(long seq, byte[] bytes) {
            this(seq, NONE, bytes, bytes.length, NONE);
        }

        public int length() {
            return prefix.length + bodyLength + tail.length;
        }

        /** The exact bytes of the line (without newline). */
        public byte[] bytes() {
            if (prefix.length == 0 && tail.length == 0 && bodyLength == body.length) return body;
            byte[] out = new byte[length()];
            System.arraycopy(prefix, 0, out, 0, prefix.length);
            System.arraycopy(body, 0, out, prefix.length, bodyLength);
            System.arraycopy(tail, 0, out, prefix.length + bodyLength, tail.length);
            return out;
        }

        void writeTo(java.nio.ByteBuffer b) {
            b.put(prefix).put(body, 0, bodyLength).put(tail);
        }
    }

    protected final DeviceConfig config;
    final FormatOptions format;
    protected final byte[] prefix;
    private final CheckpointSigner signer;
    private final int checkpointInterval;
    private final Duration checkpointPeriod;
    private volatile AuditChain.Head head = AuditChain.Head.EMPTY;
    private long sinceCheckpoint;
    private Instant lastCheckpoint;

    protected AuditDevice(DeviceConfig config, CheckpointSigner signer, Instant now) {
        this.config = config;
        this.format = FormatOptions.of(config);
        this.prefix = format.prefixBytes();
        this.signer = signer;
        this.checkpointInterval = intOption(config, "checkpoint_interval", 5000, 1, 10_000_000);
        this.checkpointPeriod = Duration.ofSeconds(intOption(config, "checkpoint_seconds", 60, 1, 86_400));
        this.lastCheckpoint = now;
    }

    /**
     * Whether an append only hands bytes to the OS page cache and so takes microseconds (a plain file without
     * {@code fsync}): such a device may be written from an event loop. Anything that can block longer (fsync, a
     * pipe on stdout, the storage backend) is written by the broker's own writer thread.
     */
    boolean quickWrites() {
        return false;
    }

    static int intOption(DeviceConfig c, String name, int dflt, int min, int max) {
        String v = c.options().get(name);
        if (v == null || v.isEmpty()) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw dev.keyhaven.core.logical.KeyhavenException.badRequest(
                    "invalid '" + name + "': must be an integer between " + min + " and " + max);
        }
    }

    public DeviceConfig config() {
        return config;
    }

    public AuditChain.Head head() {
        return head;
    }

    protected void restoreHead(AuditChain.Head h) {
        this.head = h;
    }

    /**
     * Chains and writes the given entry bodies (plus any checkpoint that falls due). On failure nothing of the batch
     * counts: the chain head stays where it was, so the next batch continues from the last durable entry.
     */
    final void append(List<AuditChain.Body> bodies, Instant now) throws IOException {
        AuditChain.Head h = head;
        long since = sinceCheckpoint;
        Instant last = lastCheckpoint;
        List<Line> lines = new ArrayList<>(bodies.size() + 1);
        for (AuditChain.Body body : bodies) {
            h = chain(lines, body, h);
            if (++since >= checkpointInterval) {
                h = chain(lines, new AuditChain.Body(checkpointBody(h.seq() + 1, h.hash(), now)), h);
                since = 0;
                last = now;
            }
        }
        if (since > 0 && !now.isBefore(last.plus(checkpointPeriod))) {
            h = chain(lines, new AuditChain.Body(checkpointBody(h.seq() + 1, h.hash(), now)), h);
            since = 0;
            last = now;
        }
        write(lines, h);
        head = h;
        sinceCheckpoint = since;
        lastCheckpoint = last;
    }

    /** Writes a checkpoint now if any entry was written since the last one (idle timer, close). */
    final void checkpointIfDirty(Instant now) throws IOException {
        if (sinceCheckpoint == 0) return;
        AuditChain.Head h = head;
        List<Line> lines = new ArrayList<>(1);
        h = chain(lines, new AuditChain.Body(checkpointBody(h.seq() + 1, h.hash(), now)), h);
        write(lines, h);
        head = h;
        sinceCheckpoint = 0;
        lastCheckpoint = now;
    }

    final boolean checkpointDue(Instant now) {
        return sinceCheckpoint > 0 && !now.isBefore(lastCheckpoint.plus(checkpointPeriod));
    }

    private AuditChain.Head chain(List<Line> out, AuditChain.Body body, AuditChain.Head h) {
        long seq = h.seq() + 1;
        Line line = AuditChain.seal(seq, prefix, body.bytes(), h.hash());
        out.add(line);
        return new AuditChain.Head(seq, AuditChain.hashWithTail(body, line));
    }

    private byte[] checkpointBody(long seq, String prev, Instant now) {
        String time = EntryFormatter.time(now);
        Map<String, Object> cp = new LinkedHashMap<>();
        cp.put("algorithm", "Ed25519");
        cp.put("key_id", signer.keyId());
        cp.put("signature", signer.sign(AuditChain.checkpointMessage(seq, prev, time, signer.keyId())));
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", time);
        e.put("type", AuditChain.CHECKPOINT_TYPE);
        e.put("checkpoint", cp);
        return Json.write(e);
    }

    /** A signed anchor line: the chain continues at {@code head.seq()+1} after {@code head.hash()} (not itself chained). */
    protected final byte[] anchorLine(AuditChain.Head h, String reason, Instant now) {
        String time = EntryFormatter.time(now);
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", time);
        e.put("type", AuditChain.ANCHOR_TYPE);
        e.put("reason", reason);
        e.put("first_seq", h.seq() + 1);
        e.put("prev", h.hash());
        e.put("key_id", signer.keyId());
        e.put("signature", signer.sign(AuditChain.anchorMessage(h.seq() + 1, h.hash(), time, signer.keyId())));
        byte[] body = Json.write(e);
        byte[] out = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(body, 0, out, prefix.length, body.length);
        return out;
    }

    /** Hands the lines to the medium (one write for the batch); {@code newHead} is the head after them. */
    protected abstract void write(List<Line> lines, AuditChain.Head newHead) throws IOException;

    /** Reopens the medium (file devices: after logrotate moved the file). */
    public void reopen() throws IOException {}

    /** Where the chain stands for listing/diagnostics without secrets (e.g. the file path). */
    public abstract String describe();

    @Override
    public abstract void close();
}
