package dev.keyhaven.core.audit;

import dev.keyhaven.core.logical.KeyhavenException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vault's {@code file} device: JSON lines appended to {@code file_path} ({@code stdout} and {@code discard}
 * allowed), created with {@code mode} (default {@code 0600}; {@code 0000} leaves permissions alone). One
 * {@code write} per group-commit batch hands the entries to the OS before any request in it proceeds; {@code fsync}
 * ({@code fsync=true}) is optional. {@link #reopen()} (SIGHUP after logrotate) continues the chain in the new file
 * with a signed {@code chain_anchor} first line.
 */
public final class FileAuditDevice extends AuditDevice {
    private static final Logger LOG = LoggerFactory.getLogger(FileAuditDevice.class);
    private final String filePath;
    private final Path path; // null for stdout/discard
    private final boolean discard;
    private final boolean fsync;
    private final Set<PosixFilePermission> mode; // null = leave alone
    private final Clock clock;
    private FileChannel channel;
    private long size;
    private volatile boolean regularFile; // the open file is a regular file (not a FIFO, device or socket)

    FileAuditDevice(DeviceConfig config, CheckpointSigner signer, Clock clock, AuditChain.Head storedHead) {
        super(config, signer, clock.instant());
        this.clock = clock;
        String fp = config.option("file_path", config.option("path", "")).trim();
        if (fp.isEmpty()) throw KeyhavenException.badRequest("\"file_path\" is required");
        String lower = fp.toLowerCase(Locale.ROOT);
        this.discard = lower.equals("discard");
        this.filePath = lower.equals("stdout") || discard ? lower : fp;
        this.path = filePath.equals("stdout") || discard ? null : Path.of(fp).toAbsolutePath();
        this.fsync = config.boolOption("fsync", false);
        this.mode = parseMode(config.option("mode", "0600"));
        try {
            open(storedHead, "new_file");
        } catch (IOException e) {
            throw KeyhavenException.badRequest("file sink creation failed for path \"" + fp + "\": " + reason(e));
        }
    }

    static Set<PosixFilePermission> parseMode(String mode) {
        int bits;
        try {
            bits = Integer.parseInt(mode.trim(), 8);
        } catch (NumberFormatException e) {
            throw KeyhavenException.badRequest("invalid 'mode': must be an octal file mode such as 0600");
        }
        if (bits < 0 || bits > 0777) throw KeyhavenException.badRequest("invalid 'mode': must be an octal file mode such as 0600");
        if (bits == 0) return null;
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < 9; i++) if ((bits & (1 << i)) != 0) s.add(order[i]);
        return s;
    }

    static String reason(IOException e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName();
        return m == null ? kind : kind + ": " + m;
    }

    private void open(AuditChain.Head storedHead, String reason) throws IOException {
        if (discard) {
            restoreHead(storedHead);
            return;
        }
        if (path == null) { // stdout
            channel = new FileOutputStream(FileDescriptor.out).getChannel();
            restoreHead(storedHead);
            return;
        }
        Path dir = path.getParent();
        if (dir != null && !Files.isDirectory(dir)) Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try {
            if (mode != null) {
                try {
                    Files.setPosixFilePermissions(path, mode);
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
            }
            long len = ch.size();
            AuditChain.Head fromFile = len == 0 ? null : readTailHead(path, len);
            if (fromFile != null) {
                restoreHead(fromFile);
                if (!endsWithNewline(path, len)) {
                    ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
                    len++;
                }
            } else {
                restoreHead(storedHead);
                if (len > 0 && !endsWithNewline(path, len)) {
                    ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
                    len++;
                }
                if (storedHead.seq() > 0) {
                    byte[] anchor = anchorLine(storedHead, reason, clock.instant());
                    ByteBuffer buf = ByteBuffer.allocate(anchor.length + 1).put(anchor).put((byte) '\n').flip();
                    while (buf.hasRemaining()) ch.write(buf);
                    len += anchor.length + 1;
                }
            }
            this.channel = ch;
            this.size = len;
            this.regularFile = Files.isRegularFile(path);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static boolean endsWithNewline(Path p, long len) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "r")) {
            raf.seek(len - 1);
            return raf.read() == '\n';
        }
    }

    /** The chain head recorded by the last complete entry (or anchor) of an existing file; null if none. */
    static AuditChain.Head readTailHead(Path p, long len) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "r")) {
            long window = 64 * 1024;
            while (true) {
                long start = Math.max(0, len - window);
                byte[] buf = new byte[(int) (len - start)];
                raf.seek(start);
                raf.readFully(buf);
                int lineEnd = buf.length;
                for (int i = buf.length - 1; i >= -1; i--) {
                    if (i >= 0 && buf[i] != '\n') continue;
                    if (i == -1 && start > 0) break; // the first segment may be cut: widen instead
                    int from = i + 1;
                    if (lineEnd > from) {
                        AuditChain.Head h = headOf(buf, from, lineEnd);
                        if (h != null) return h;
                    }
                    lineEnd = i;
                }
                if (start == 0 || window >= (64L << 20)) return null;
                window *= 4;
            }
        }
    }

    private static AuditChain.Head headOf(byte[] buf, int from, int to) {
        byte[] line = java.util.Arrays.copyOfRange(buf, from, to);
        AuditVerifier.Parsed parsed = AuditVerifier.parse(line);
        if (parsed == null) return null;
        if (AuditChain.ANCHOR_TYPE.equals(parsed.type())) return new AuditChain.Head(parsed.firstSeq() - 1, parsed.prev());
        if (parsed.seq() <= 0) return null;
        return new AuditChain.Head(parsed.seq(), AuditChain.sha256Hex(line));
    }

    @Override
    protected void write(List<Line> lines, AuditChain.Head newHead) throws IOException {
        if (discard) return;
        if (channel == null) {
            // a previous reopen failed: try again, so the device heals once the path is writable
            open(head(), "reopen");
        }
        int total = 0;
        for (Line l : lines) total += l.length() + 1;
        ByteBuffer buf = buffer(total);
        for (Line l : lines) {
            l.writeTo(buf);
            buf.put((byte) '\n');
        }
        buf.flip();
        try {
            while (buf.hasRemaining()) channel.write(buf);
            if (fsync) channel.force(false);
            size += total;
        } catch (IOException e) {
            if (path != null) {
                try {
                    channel.truncate(size); // drop a partial batch so the file stays parseable
                } catch (IOException ignored) {
                    // the medium is gone; verify will show where it broke
                }
            }
            throw e;
        }
    }

    /**
     * The write buffer for a batch: one direct buffer reused across batches (the broker writes one batch at a time),
     * so the JDK does not copy a heap buffer into a temporary direct one; an unusually large batch gets its own.
     */
    private ByteBuffer buffer(int size) {
        if (size > MAX_KEPT_BUFFER) return ByteBuffer.allocateDirect(size);
        if (writeBuffer == null || writeBuffer.capacity() < size) {
            writeBuffer = ByteBuffer.allocateDirect(Math.min(MAX_KEPT_BUFFER, Math.max(size, 64 * 1024)));
        }
        return writeBuffer.clear();
    }

    private static final int MAX_KEPT_BUFFER = 4 << 20;
    private ByteBuffer writeBuffer;

    @Override
    public synchronized void reopen() throws IOException {
        if (path == null) return;
        FileChannel old = channel;
        channel = null;
        if (old != null) {
            try {
                old.close();
            } catch (IOException e) {
                LOG.warn("audit device {}: closing the old file failed: {}", config.path(), reason(e));
            }
        }
        open(head(), "reopen");
    }

    @Override
    boolean quickWrites() {
        return !fsync && (discard || path != null && regularFile);
    }

    /** The file, unless this device writes to stdout or discards. */
    public java.util.Optional<Path> filePath() {
        return java.util.Optional.ofNullable(path);
    }

    @Override
    public String describe() {
        return filePath;
    }

    @Override
    public void close() {
        if (channel != null && path != null) {
            try {
                channel.force(false);
                channel.close();
            } catch (IOException e) {
                LOG.warn("audit device {}: close failed: {}", config.path(), reason(e));
            }
        }
        channel = null;
    }
}
