package dev.keyhaven.bench.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A small closed-loop HTTP/1.1 load generator: N connections, each on its own thread with keep-alive, sending one
 * request after another for a fixed duration and recording every latency. Minimal client overhead (raw sockets,
 * pre-encoded requests), so the server, not the client, is what is measured. Bounded in time; loopback only.
 */
public final class HttpLoad {
    /** Produces the bytes of the i-th request of a connection (a full HTTP/1.1 request with keep-alive). */
    public interface RequestSource {
        byte[] request(int connection, long sequence);
    }

    /** {@code requests} in the measured {@code seconds}; {@code sent}: all requests, the warm-up's included. */
    public record Result(String name, long requests, long errors, double seconds, long p50Micros, long p99Micros, long sent) {
        public double throughput() {
            return requests / seconds;
        }

        @Override
        public String toString() {
            return String.format("%-28s %10.0f req/s  p50 %6d µs  p99 %7d µs  (%d requests, %d errors)",
                    name, throughput(), p50Micros, p99Micros, requests, errors);
        }
    }

    private HttpLoad() {}

    public static byte[] get(String host, int port, String path, String token) {
        return raw("GET", host, port, path, token, null, null);
    }

    public static byte[] raw(String method, String host, int port, String path, String token, String contentType, byte[] body) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(host).append(':').append(port).append("\r\n");
        if (token != null) sb.append("X-Vault-Token: ").append(token).append("\r\n");
        if (body != null) {
            sb.append("Content-Type: ").append(contentType == null ? "application/json" : contentType).append("\r\n");
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.US_ASCII);
        if (body == null) return head;
        byte[] all = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /** Runs {@code connections} closed loops for {@code warmupSeconds + seconds}; only the measured part counts. */
    public static Result run(String name, String host, int port, int connections, double warmupSeconds, double seconds,
                             RequestSource source, IntFunction<Boolean> okStatus) throws InterruptedException {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        long end = warmEnd + (long) (seconds * 1e9);
        List<long[]> latencies = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong total = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        CountDownLatch done = new CountDownLatch(connections);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            final int conn = c;
            long[] lat = new long[1 << 16];
            final long[][] holder = {lat};
            Thread t = new Thread(() -> {
                long n = 0;
                int count = 0;
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.connect(new InetSocketAddress(host, port), 5000);
                    s.setSoTimeout(30_000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
                    while (true) {
                        long start = System.nanoTime();
                        if (start >= end) break;
                        out.write(source.request(conn, n++));
                        out.flush();
                        int status = readResponse(in);
                        long now = System.nanoTime();
                        if (start >= warmEnd) {
                            if (!okStatus.apply(status)) errors.incrementAndGet();
                            if (count == holder[0].length) holder[0] = Arrays.copyOf(holder[0], count * 2);
                            holder[0][count++] = (now - start) / 1000;
                        }
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                } finally {
                    synchronized (latencies) {
                        latencies.add(Arrays.copyOf(holder[0], count));
                    }
                    total.addAndGet(count);
                    sent.addAndGet(n);
                    done.countDown();
                }
            }, "load-" + c);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        done.await();
        long[] all = new long[(int) total.get()];
        int i = 0;
        for (long[] l : latencies) {
            System.arraycopy(l, 0, all, i, l.length);
            i += l.length;
        }
        Arrays.sort(all);
        long p50 = all.length == 0 ? 0 : all[(int) (all.length * 0.50)];
        long p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))];
        return new Result(name, all.length, errors.get(), seconds, p50, p99, sent.get());
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked) and returns its status. */
    static int readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        if (statusLine == null) throw new IOException("connection closed");
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String h = line.substring(0, colon).trim();
            String v = line.substring(colon + 1).trim();
            if (h.equalsIgnoreCase("content-length")) length = Long.parseLong(v);
            else if (h.equalsIgnoreCase("transfer-encoding") && v.equalsIgnoreCase("chunked")) chunked = true;
        }
        if (chunked) {
            while (true) {
                String size = readLine(in);
                if (size == null) throw new IOException("truncated chunk");
                int semi = size.indexOf(';');
                long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                skip(in, n);
                readLine(in);
                if (n == 0) break;
            }
        } else if (length > 0) {
            skip(in, length);
        }
        return status;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) throw new IOException("truncated body");
                k = 1;
            }
            n -= k;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') sb.setLength(len - 1);
                return sb.toString();
            }
            sb.append((char) b);
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
