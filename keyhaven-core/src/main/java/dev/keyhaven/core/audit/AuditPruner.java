package dev.keyhaven.core.audit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * Retention: moves the entries older than a cut into {@code DIR/audit-<from>-<to>.jsonl.gz} plus a {@code .sha256}
 * file (sha256sum format), and leaves the rest verifiable: the kept log starts with a {@code chain_anchor} line
 * recording the first kept entry's sequence number and its predecessor's hash. {@code verify backup rest} passes
 * across the cut. A log that does not verify is never pruned.
 */
public final class AuditPruner {
    private AuditPruner() {}

    /** What a prune did. {@code firstSeq..lastSeq} were moved; {@code nothing} if no entry was older than the cut. */
    public record Result(boolean nothing, long firstSeq, long lastSeq, Path backup, Path checksum, String sha256, long kept) {
        public String describe() {
            if (nothing) return "nothing to prune: no entry older than the cut";
            return "pruned entries " + firstSeq + ".." + lastSeq + " into " + backup + " (sha256 " + sha256 + "); " + kept + " entries kept";
        }
    }

    /** The files of one backup. */
    public record Backup(Path file, Path checksum, String sha256) {}

    /** Prunes a log file in place (not one a running server is appending to: rotate it first, or use in-server retention). */
    public static Result pruneFile(Path file, Instant cut, Path backupDir) throws IOException {
        AuditVerifier.Result check = new AuditVerifier(Optional.empty(), Optional.empty()).verifyFiles(List.of(file));
        if (!check.ok()) throw new IOException("refusing to prune " + file + ": the log does not verify: " + check.message());
        // pass 1: find the cut
        long anchorLines = 0;
        long pruneLines = 0;
        long firstSeq = -1;
        long lastSeq = -1;
        String lastHash = null;
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            Iterator<byte[]> it = AuditVerifier.lines(new java.io.BufferedInputStream(in, 1 << 16));
            boolean cutting = true;
            while (it.hasNext()) {
                byte[] line = it.next();
                if (line.length == 0) continue;
                AuditVerifier.Parsed p = AuditVerifier.parse(line);
                if (p == null) throw new IOException("unparseable line in " + file);
                if (AuditChain.ANCHOR_TYPE.equals(p.type())) {
                    anchorLines++;
                    continue;
                }
                total++;
                Instant t = AuditTimes.entryTime(p);
                if (cutting && t != null && t.isBefore(cut)) {
                    pruneLines++;
                    if (firstSeq < 0) firstSeq = p.seq();
                    lastSeq = p.seq();
                    lastHash = AuditChain.sha256Hex(line);
                } else {
                    cutting = false;
                }
            }
        }
        if (pruneLines == 0) return new Result(true, 0, 0, null, null, "", total);
        if (pruneLines == total) {
            throw new IOException("refusing to prune every entry of " + file + ": the newest entry is older than the cut (keep at least one to carry the chain)");
        }
        // pass 2: write the backup (original anchor + pruned entries) and the kept rest (new anchor + remaining)
        Path dir = Files.createDirectories(backupDir);
        String name = "audit-" + firstSeq + "-" + lastSeq + ".jsonl.gz";
        Path backupFile = dir.resolve(name);
        if (Files.exists(backupFile)) throw new IOException("backup " + backupFile + " already exists; not overwriting it");
        Path tmp = file.resolveSibling(file.getFileName() + ".prune-tmp");
        String sha;
        try (InputStream in = Files.newInputStream(file);
             BackupWriter bw = new BackupWriter(backupFile);
             OutputStream rest = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
            Iterator<byte[]> it = AuditVerifier.lines(new java.io.BufferedInputStream(in, 1 << 16));
            long seen = 0;
            boolean restStarted = false;
            while (it.hasNext()) {
                byte[] line = it.next();
                if (line.length == 0) continue;
                if (seen < anchorLines + pruneLines) {
                    bw.line(line);
                    seen++;
                    continue;
                }
                if (!restStarted) {
                    restStarted = true;
                    rest.write(anchor(lastSeq + 1, lastHash, name));
                    rest.write('\n');
                }
                rest.write(line);
                rest.write('\n');
            }
            rest.flush();
            sha = bw.finish();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(backupFile);
            throw e;
        }
        Path sum = writeChecksum(backupFile, sha);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Result(false, firstSeq, lastSeq, backupFile, sum, sha, total - pruneLines);
    }

    /** An unsigned anchor line for an offline prune. */
    static byte[] anchor(long firstSeq, String prev, String backupName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", EntryFormatter.time(Instant.now()));
        m.put("type", AuditChain.ANCHOR_TYPE);
        m.put("reason", "prune");
        m.put("first_seq", firstSeq);
        m.put("prev", prev);
        if (backupName != null) m.put("backup", backupName);
        return dev.keyhaven.core.util.Json.write(m);
    }

    /**
     * Writes {@code lines} (already chained, in order) as a backup {@code audit-<from>-<to>.jsonl.gz} in {@code dir};
     * when {@code from > 1} an anchor line ({@code first_seq=from}, {@code prev=prevOfFrom}) is written first so the
     * backup verifies on its own. Never overwrites.
     */
    public static Backup writeBackup(Path dir, long from, long to, String prevOfFrom, Iterable<byte[]> lines) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("audit-" + from + "-" + to + ".jsonl.gz");
        if (Files.exists(file)) throw new IOException("backup " + file + " already exists; not overwriting it");
        String sha;
        try (BackupWriter bw = new BackupWriter(file)) {
            if (from > 1) bw.line(anchor(from, prevOfFrom, null));
            for (byte[] l : lines) bw.line(l);
            sha = bw.finish();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new Backup(file, writeChecksum(file, sha), sha);
    }

    private static Path writeChecksum(Path file, String sha) throws IOException {
        Path sum = file.resolveSibling(file.getFileName() + ".sha256");
        Files.writeString(sum, sha + "  " + file.getFileName() + "\n", StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(sum, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        return sum;
    }

    /** Checks a backup against its {@code .sha256} file; returns null if it matches, else the problem. */
    public static String checkBackup(Path backup) throws IOException {
        Path sum = backup.resolveSibling(backup.getFileName() + ".sha256");
        if (!Files.exists(sum)) return "no checksum file " + sum.getFileName();
        String expected = Files.readString(sum, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
        String actual = sha256File(backup);
        return expected.equalsIgnoreCase(actual) ? null : "checksum mismatch: " + backup.getFileName() + " has sha256 " + actual + ", " + sum.getFileName() + " says " + expected;
    }

    static String sha256File(Path p) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** gzip writer that hashes the compressed bytes and fsyncs on finish. */
    private static final class BackupWriter implements AutoCloseable {
        private final Path file;
        private final OutputStream raw;
        private final DigestOutputStream digest;
        private final GZIPOutputStream gz;
        private boolean finished;

        BackupWriter(Path file) throws IOException {
            this.file = file;
            this.raw = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.digest = new DigestOutputStream(new BufferedOutputStream(raw, 1 << 16), sha256());
            this.gz = new GZIPOutputStream(digest, 1 << 16);
        }

        void line(byte[] l) throws IOException {
            gz.write(l);
            gz.write('\n');
        }

        String finish() throws IOException {
            gz.finish();
            digest.flush();
            finished = true;
            String sha = HexFormat.of().formatHex(digest.getMessageDigest().digest());
            gz.close();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            return sha;
        }

        @Override
        public void close() throws IOException {
            if (!finished) gz.close();
        }
    }
}
