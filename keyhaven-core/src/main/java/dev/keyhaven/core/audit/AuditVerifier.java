package dev.keyhaven.core.audit;

import dev.keyhaven.core.util.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Recomputes an audit hash chain and reports the first removed, reordered, edited or broken entry precisely. Works on
 * files (plain or {@code .gz}), several in order (a backup followed by the pruned rest), or any sequence of lines
 * (the store device). With a public key every checkpoint and anchor signature is checked as well; with an expected
 * head ({@code --expect-head SEQ[:HASH]}) truncation at the end and an edit of the last entry are caught too, which
 * no hash chain can detect on its own.
 */
public final class AuditVerifier {
    /** The chain-relevant fields of one line. */
    public record Parsed(String type, long seq, String prev, long firstSeq, String time, Map<String, Object> json) {}

    /** A named sequence of lines (a file). */
    public record Source(String name, Iterator<byte[]> lines) {}

    /**
     * The outcome. {@code problemSeq} is the sequence number of the entry at fault (0 when ok), {@code line} the
     * 1-based line number in {@code source} where it was found.
     */
    public record Result(boolean ok, long entries, long checkpoints, long firstSeq, long lastSeq, String lastHash,
                         String message, long problemSeq, String source, long line) {
        @Override
        public String toString() {
            return message;
        }
    }

    private final Optional<PublicKey> publicKey;
    private final Optional<AuditChain.Head> expectedHead; // hash may be null → only the sequence number is checked

    public AuditVerifier(Optional<PublicKey> publicKey, Optional<AuditChain.Head> expectedHead) {
        this.publicKey = Objects.requireNonNull(publicKey);
        this.expectedHead = Objects.requireNonNull(expectedHead);
    }

    public static Parsed parse(byte[] line) {
        int brace = -1;
        for (int i = 0; i < line.length; i++) if (line[i] == '{') { brace = i; break; }
        if (brace < 0) return null;
        Map<String, Object> m;
        try {
            Object v = Json.MAPPER.readValue(line, brace, line.length - brace, Object.class);
            if (!(v instanceof Map<?, ?>)) return null;
            @SuppressWarnings("unchecked")
            Map<String, Object> mm = (Map<String, Object>) v;
            m = mm;
        } catch (IOException | RuntimeException e) {
            return null;
        }
        String type = m.get("type") instanceof String s ? s : "";
        long seq = m.get("seq") instanceof Number n ? n.longValue() : -1;
        String prev = m.get("prev") instanceof String s ? s : "";
        long firstSeq = m.get("first_seq") instanceof Number n ? n.longValue() : -1;
        String time = m.get("time") instanceof String s ? s : "";
        return new Parsed(type, seq, prev, firstSeq, time, m);
    }

    /** Verifies files in order (e.g. {@code backup.jsonl.gz} then the current log). */
    public Result verifyFiles(List<Path> files) throws IOException {
        List<InputStream> opened = new java.util.ArrayList<>();
        try {
            List<Source> sources = new java.util.ArrayList<>();
            for (Path f : files) {
                InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16);
                opened.add(in);
                if (f.getFileName().toString().endsWith(".gz")) {
                    in = new GZIPInputStream(in, 1 << 16);
                    opened.add(in);
                }
                sources.add(new Source(f.toString(), lines(in)));
            }
            try {
                return verify(sources);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        } finally {
            for (InputStream in : opened) in.close();
        }
    }

    /** Splits a stream into lines ('\n', with an optional '\r' before it), without the terminator. */
    public static Iterator<byte[]> lines(InputStream in) {
        return new Iterator<>() {
            byte[] next;
            boolean done;

            @Override
            public boolean hasNext() {
                if (next != null) return true;
                if (done) return false;
                try {
                    ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
                    int b;
                    boolean any = false;
                    while ((b = in.read()) >= 0) {
                        any = true;
                        if (b == '\n') break;
                        buf.write(b);
                    }
                    if (!any) {
                        done = true;
                        return false;
                    }
                    byte[] l = buf.toByteArray();
                    if (l.length > 0 && l[l.length - 1] == '\r') l = java.util.Arrays.copyOf(l, l.length - 1);
                    next = l;
                    return true;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public byte[] next() {
                if (!hasNext()) throw new NoSuchElementException();
                byte[] l = next;
                next = null;
                return l;
            }
        };
    }

    public Result verify(List<Source> sources) {
        long expectedSeq = 1;
        String expectedPrev = AuditChain.GENESIS;
        long firstSeq = -1;
        long entries = 0;
        long checkpoints = 0;
        long unsignedAnchors = 0;
        long sinceCheckpoint = 0;
        boolean started = false;
        String lastName = "";
        long lastLine = 0;
        int fileIndex = 0;
        for (Source src : sources) {
            fileIndex++;
            String where = sources.size() > 1 ? src.name() + ": " : "";
            Iterator<byte[]> it = src.lines();
            long lineNo = 0;
            boolean firstInFile = true;
            byte[] pending = it.hasNext() ? it.next() : null;
            while (pending != null) {
                byte[] line = pending;
                pending = it.hasNext() ? it.next() : null;
                lineNo++;
                lastName = src.name();
                lastLine = lineNo;
                if (line.length == 0) {
                    if (pending == null) continue; // trailing newline
                    return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, expectedSeq,
                            where + "line " + lineNo + ": empty line where entry " + expectedSeq + " was expected (entry " + expectedSeq + " removed or edited)");
                }
                Parsed p = parse(line);
                if (p == null) {
                    return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, expectedSeq,
                            where + "line " + lineNo + ": entry " + expectedSeq + " is not a valid audit entry (edited or truncated)");
                }
                if (AuditChain.ANCHOR_TYPE.equals(p.type())) {
                    if (!firstInFile) {
                        return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, expectedSeq,
                                where + "line " + lineNo + ": chain anchor in the middle of a file (only allowed as a file's first line)");
                    }
                    firstInFile = false;
                    if (p.firstSeq() < 1 || p.prev().length() != 64) {
                        return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, expectedSeq,
                                where + "line " + lineNo + ": malformed chain anchor");
                    }
                    if (started && (p.firstSeq() != expectedSeq || !p.prev().equals(expectedPrev))) {
                        return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, expectedSeq,
                                where + "line " + lineNo + ": this file continues the chain at entry " + p.firstSeq()
                                        + " but the previous one ends before entry " + expectedSeq
                                        + (p.firstSeq() > expectedSeq ? " (entries " + expectedSeq + ".." + (p.firstSeq() - 1) + " missing)" : " (files out of order or overlapping)"));
                    }
                    if (publicKey.isPresent()) {
                        Object sig = p.json().get("signature");
                        Object kid = p.json().get("key_id");
                        if (sig instanceof String s && kid instanceof String k) {
                            if (!CheckpointSigner.verify(publicKey.get(), AuditChain.anchorMessage(p.firstSeq(), p.prev(), p.time(), k), s)) {
                                return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, p.firstSeq(),
                                        where + "line " + lineNo + ": chain anchor signature invalid (anchor forged or edited, or another key)");
                            }
                        } else {
                            unsignedAnchors++;
                        }
                    }
                    expectedSeq = p.firstSeq();
                    expectedPrev = p.prev();
                    if (!started) firstSeq = expectedSeq;
                    started = true;
                    continue;
                }
                firstInFile = false;
                if (!started) {
                    started = true;
                    firstSeq = 1;
                }
                if (p.seq() != expectedSeq) {
                    String msg;
                    long fault = expectedSeq;
                    Parsed next = pending == null ? null : parse(pending);
                    if (p.seq() == expectedSeq + 1 && next != null && next.seq() == expectedSeq) {
                        msg = "entries " + expectedSeq + " and " + (expectedSeq + 1) + " swapped (entry " + (expectedSeq + 1) + " found first)";
                    } else if (p.seq() == expectedSeq + 1) {
                        msg = "sequence " + expectedSeq + " expected, found " + p.seq() + " (entry " + expectedSeq + " removed)";
                    } else if (p.seq() > expectedSeq) {
                        msg = "sequence " + expectedSeq + " expected, found " + p.seq() + " (entries " + expectedSeq + ".." + (p.seq() - 1) + " removed or moved)";
                    } else if (p.seq() < 0) {
                        msg = "entry " + expectedSeq + " has no sequence number (edited)";
                    } else {
                        msg = "sequence " + expectedSeq + " expected, found " + p.seq() + " (entry " + p.seq() + " duplicated or moved here)";
                    }
                    return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, fault, where + "line " + lineNo + ": " + msg);
                }
                if (!p.prev().equals(expectedPrev)) {
                    Parsed next = pending == null ? null : parse(pending);
                    boolean thisLineIntact = next != null && next.prev().equals(AuditChain.sha256Hex(line));
                    if (entries > 0 && lineNo > 1 && (thisLineIntact || next == null)) {
                        long edited = p.seq() - 1;
                        return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo - 1, edited,
                                where + "line " + (lineNo - 1) + ": entry " + edited + " was edited (its hash does not match the prev hash recorded in entry " + p.seq() + ")");
                    }
                    return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, p.seq(),
                            where + "line " + lineNo + ": entry " + p.seq() + ": prev hash mismatch (this entry was edited, or the entry before it was removed, edited or reordered)");
                }
                switch (p.type()) {
                    case "request", "response" -> sinceCheckpoint++;
                    case AuditChain.CHECKPOINT_TYPE -> {
                        if (publicKey.isPresent() && !checkpointValid(p)) {
                            return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, p.seq(),
                                    where + "line " + lineNo + ": entry " + p.seq() + ": checkpoint signature invalid (checkpoint edited, or signed by another key)");
                        }
                        checkpoints++;
                        sinceCheckpoint = 0;
                    }
                    default -> {
                        return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, src.name(), lineNo, p.seq(),
                                where + "line " + lineNo + ": entry " + p.seq() + " has an unknown type (edited)");
                    }
                }
                entries++;
                expectedPrev = AuditChain.sha256Hex(line);
                expectedSeq = p.seq() + 1;
            }
        }
        long last = expectedSeq - 1;
        if (expectedHead.isPresent()) {
            AuditChain.Head h = expectedHead.get();
            if (last < h.seq()) {
                return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, lastName, lastLine, last + 1,
                        "log ends at entry " + last + " but the expected head is entry " + h.seq()
                                + (h.seq() == last + 1 ? " (entry " + h.seq() + " removed)" : " (entries " + (last + 1) + ".." + h.seq() + " removed)"));
            }
            if (last == h.seq() && h.hash() != null && !h.hash().equals(expectedPrev)) {
                return fail(entries, checkpoints, firstSeq, expectedSeq, expectedPrev, lastName, lastLine, last,
                        "line " + lastLine + ": entry " + last + " was edited (its hash does not match the expected head hash)");
            }
        }
        StringBuilder ok = new StringBuilder("ok: " + entries + " entries, chain intact");
        if (firstSeq > 1) ok.append(" (entries ").append(firstSeq).append("..").append(last).append(", continuing a pruned or rotated log)");
        if (publicKey.isPresent()) {
            ok.append("; ").append(checkpoints).append(" checkpoint signature").append(checkpoints == 1 ? "" : "s").append(" verified");
            if (sinceCheckpoint > 0) ok.append("; the last ").append(sinceCheckpoint).append(" entries follow the last checkpoint (chained, not yet signed)");
            if (unsignedAnchors > 0) ok.append("; ").append(unsignedAnchors).append(" unsigned chain anchor(s) from an offline prune");
        } else if (checkpoints > 0) {
            ok.append("; ").append(checkpoints).append(" checkpoints not checked (no --pubkey)");
        }
        return new Result(true, entries, checkpoints, Math.max(firstSeq, 0), last, expectedPrev, ok.toString(), 0, lastName, lastLine);
    }

    private boolean checkpointValid(Parsed p) {
        if (!(p.json().get("checkpoint") instanceof Map<?, ?> cp)) return false;
        if (!"Ed25519".equals(cp.get("algorithm"))) return false;
        if (!(cp.get("key_id") instanceof String kid) || !(cp.get("signature") instanceof String sig)) return false;
        return CheckpointSigner.verify(publicKey.orElseThrow(), AuditChain.checkpointMessage(p.seq(), p.prev(), p.time(), kid), sig);
    }

    private static Result fail(long entries, long checkpoints, long firstSeq, long expectedSeq, String expectedPrev, String source,
                               long line, long problemSeq, String message) {
        return new Result(false, entries, checkpoints, Math.max(firstSeq, 0), expectedSeq - 1, expectedPrev, message, problemSeq, source, line);
    }
}
