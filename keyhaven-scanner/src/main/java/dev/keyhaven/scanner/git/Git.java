package dev.keyhaven.scanner.git;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs the {@code git} CLI against one repository. Errors become {@link IOException}s with git's own message. */
public final class Git {
    private final Path repo;

    public Git(Path repo) {
        this.repo = repo.toAbsolutePath().normalize();
    }

    public Path repo() {
        return repo;
    }

    public ProcessBuilder command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.add("-C");
        cmd.add(repo.toString());
        cmd.add("-c");
        cmd.add("core.quotePath=false");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().remove("GIT_DIR");
        pb.environment().remove("GIT_INDEX_FILE");
        return pb;
    }

    public Process start(String... args) throws IOException {
        try {
            return command(args).start();
        } catch (IOException e) {
            throw new IOException("cannot run git (is it installed and on PATH?)", e);
        }
    }

    /** Runs git to completion and returns stdout; a non-zero exit becomes an IOException with git's first stderr line. */
    public byte[] run(String... args) throws IOException {
        Process p = start(args);
        p.getOutputStream().close();
        StderrCollector err = new StderrCollector(p.getErrorStream());
        err.start();
        byte[] out = p.getInputStream().readAllBytes();
        int code = waitFor(p);
        err.join0();
        if (code != 0) {
            throw new IOException("git " + args[0] + " failed: " + err.firstLine());
        }
        return out;
    }

    public String runText(String... args) throws IOException {
        return new String(run(args), StandardCharsets.UTF_8);
    }

    /** Whether {@code dir} is inside a git work tree. */
    public static boolean isWorkTree(Path dir) {
        try {
            return new Git(dir).runText("rev-parse", "--is-inside-work-tree").trim().equals("true");
        } catch (IOException e) {
            return false;
        }
    }

    public Path topLevel() throws IOException {
        return Path.of(runText("rev-parse", "--show-toplevel").trim());
    }

    public Path gitDir() throws IOException {
        Path p = Path.of(runText("rev-parse", "--git-common-dir").trim());
        return p.isAbsolute() ? p : repo.resolve(p).normalize();
    }

    public static int waitFor(Process p) throws IOException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new IOException("interrupted while waiting for git");
        }
    }

    /** Drains a process' stderr on its own thread and keeps the first line for error messages. */
    public static final class StderrCollector extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        public StderrCollector(InputStream in) {
            super("git-stderr");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            byte[] b = new byte[4096];
            try {
                int n;
                while ((n = in.read(b)) > 0) {
                    if (buf.size() < 16384) {
                        buf.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // process went away
            }
        }

        public void join0() {
            try {
                join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        public String firstLine() {
            String s = buf.toString(StandardCharsets.UTF_8).trim();
            int nl = s.indexOf('\n');
            String line = nl < 0 ? s : s.substring(0, nl);
            return line.isEmpty() ? "unknown error" : line;
        }
    }

    /**
     * One long-lived {@code git cat-file --batch} process: write object names, read back objects in order.
     * Not thread-safe; one writer and one reader thread may use {@link #request} and {@link #next} concurrently.
     */
    public static final class CatFile implements Closeable {
        /** An object read from the batch: {@code data} is null when it was larger than the limit (skipped unread). */
        public record Blob(String name, String sha, String type, long size, byte[] data, boolean missing) {
        }

        private final Process process;
        private final OutputStream stdin;
        private final InputStream stdout;
        private final StderrCollector err;
        private final long maxSize;

        public CatFile(Git git, long maxSize) throws IOException {
            this.process = git.start("cat-file", "--batch");
            this.stdin = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
            this.stdout = new BufferedInputStream(process.getInputStream(), 1 << 20);
            this.err = new StderrCollector(process.getErrorStream());
            this.err.start();
            this.maxSize = maxSize;
        }

        /** Queues a request (an object id, or {@code :path} for the index). Names may not contain a newline. */
        public void request(String name) throws IOException {
            stdin.write((name + "\n").getBytes(StandardCharsets.UTF_8));
        }

        public void flush() throws IOException {
            stdin.flush();
        }

        /** No more requests: lets the process finish after answering everything queued. */
        public void finishRequests() throws IOException {
            stdin.close();
        }

        /** Reads the next answer, or empty at the end of the stream. */
        public Optional<Blob> next(String requestedName) throws IOException {
            String header = readLine();
            if (header == null) {
                return Optional.empty();
            }
            if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
                return Optional.of(new Blob(requestedName, "", "missing", 0, null, true));
            }
            String[] h = header.split(" ");
            if (h.length < 3) {
                throw new IOException("unexpected git cat-file output");
            }
            long size = Long.parseLong(h[2]);
            byte[] data = null;
            if (size <= maxSize) {
                data = stdout.readNBytes((int) size);
                if (data.length != size) {
                    throw new IOException("git cat-file: short read");
                }
            } else {
                long left = size;
                while (left > 0) {
                    long s = stdout.skip(left);
                    if (s <= 0) {
                        if (stdout.read() < 0) {
                            throw new IOException("git cat-file: short read");
                        }
                        s = 1;
                    }
                    left -= s;
                }
            }
            if (stdout.read() != '\n') {
                throw new IOException("git cat-file: malformed output");
            }
            return Optional.of(new Blob(requestedName, h[0], h[1], size, data, false));
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(80);
            int b;
            while ((b = stdout.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            if (b < 0 && line.size() == 0) {
                return null;
            }
            return line.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // already closed
            }
            process.destroy();
            waitFor(process);
        }

        public String errorLine() {
            return err.firstLine();
        }
    }
}
