package dev.keyhaven.core.rotation.rotators;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal Redis client speaking RESP2 over a socket: commands as arrays of bulk strings, replies as
 * String (simple/bulk), Long, List or null; an error reply throws {@link RedisError}. Enough for AUTH, ACL and
 * CLIENT commands, without a client library. Arguments are never logged or put into exception messages.
 */
final class Resp implements Closeable {
    static final int MAX_BULK = 64 * 1024 * 1024;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    static final class RedisError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedisError(String message) {
            super(message, null, false, false);
        }

        /** The error code, e.g. {@code WRONGPASS}, {@code NOPERM}, {@code ERR}. */
        String code() {
            String m = getMessage();
            int sp = m.indexOf(' ');
            return sp < 0 ? m : m.substring(0, sp);
        }
    }

    Resp(String host, int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    Object call(String... args) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.write(('*' + Integer.toString(args.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            buf.write(('$' + Integer.toString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            buf.write(b);
            buf.write('\r');
            buf.write('\n');
        }
        out.write(buf.toByteArray());
        out.flush();
        return read();
    }

    private Object read() throws IOException {
        int type = in.read();
        if (type < 0) throw new IOException("connection closed by server");
        String line = line();
        switch (type) {
            case '+':
                return line;
            case '-':
                // server errors never echo our arguments except the user name in a few ACL errors; still keep them short
                throw new RedisError(line.length() > 200 ? line.substring(0, 200) : line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) return null;
                if (n > MAX_BULK) throw new IOException("bulk reply too large");
                byte[] b = in.readNBytes(n);
                if (b.length != n || in.read() != '\r' || in.read() != '\n') throw new IOException("truncated reply");
                return new String(b, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) return null;
                List<Object> l = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) {
                    try {
                        l.add(read());
                    } catch (RedisError e) {
                        l.add(e);
                    }
                }
                return l;
            }
            default:
                throw new IOException("unexpected RESP type byte " + type);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\r') {
                if (in.read() != '\n') throw new IOException("malformed reply line");
                return b.toString(StandardCharsets.UTF_8);
            }
            if (b.size() > 64 * 1024) throw new IOException("reply line too long");
            b.write(c);
        }
        throw new IOException("connection closed by server");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
