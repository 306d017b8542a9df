package dev.keyhaven.core.audit;

import dev.keyhaven.core.util.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;

/**
 * A small JSON writer for audit entries: UTF-8 straight into a growable byte array, with exactly Jackson's output for
 * the values entries hold (strings, integral and decimal numbers, booleans, null, maps with string keys, lists and
 * arrays), so entries written by it read the same as before. Anything else is handed to Jackson ({@link Json#write}).
 * The entry layout (which fields, in which order) is {@link EntryFormatter}'s; this class only knows JSON.
 *
 * <p>String escaping follows Jackson's defaults: {@code "} and {@code \} escaped, the control characters below 0x20
 * as {@code \b \t \n \f \r} or {@code \}{@code u00XX} (upper-case hex), surrogates (both halves of a
 * supplementary character, and lone ones) as {@code \}{@code uXXXX}, everything else
 * (including other non-ASCII) as UTF-8.
 */
final class JsonOut {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] HEX_LOWER = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** For chars below 128: 0 = as is, -1 = \\u00XX, else the letter after the backslash. */
    private static final int[] ESCAPES = new int[128];

    static {
        for (int i = 0; i < 0x20; i++) ESCAPES[i] = -1;
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
        ESCAPES[0x08] = 'b';
        ESCAPES[0x09] = 't';
        ESCAPES[0x0C] = 'f';
        ESCAPES[0x0A] = 'n';
        ESCAPES[0x0D] = 'r';
    }

    private byte[] buf;
    private int len;

    JsonOut(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    int length() {
        return len;
    }

    /** Empties the writer for reuse; false if it grew too large to keep (the caller should drop it). */
    boolean reset() {
        len = 0;
        return buf.length <= 256 * 1024;
    }

    /** Nine fraction digits, as {@code time} has them: {@code .000000007}. */
    JsonOut nanos(int nanos) {
        ensure(10);
        buf[len] = '.';
        for (int i = 9; i >= 1; i--) {
            buf[len + i] = (byte) ('0' + nanos % 10);
            nanos /= 10;
        }
        len += 10;
        return this;
    }

    byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    private void ensure(int more) {
        if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }

    JsonOut raw(byte b) {
        ensure(1);
        buf[len++] = b;
        return this;
    }

    JsonOut raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    JsonOut raw(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    /** ASCII text without anything to escape (field names, fixed punctuation). */
    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int): the low byte of each char, copied in bulk
    JsonOut ascii(String s) {
        int n = s.length();
        ensure(n);
        s.getBytes(0, n, buf, len);
        len += n;
        return this;
    }

    /** {@code ,"name":} or {@code "name":} after an opening brace (the caller knows which). */
    JsonOut name(String name, boolean first) {
        ensure(name.length() + 4);
        if (!first) buf[len++] = ',';
        buf[len++] = '"';
        ascii(name);
        ensure(2);
        buf[len++] = '"';
        buf[len++] = ':';
        return this;
    }

    /** Lower-case hex of {@code bytes}, unquoted (HMACs). */
    JsonOut hex(byte[] bytes) {
        ensure(bytes.length * 2);
        for (byte b : bytes) {
            buf[len++] = HEX_LOWER[(b >> 4) & 0xF];
            buf[len++] = HEX_LOWER[b & 0xF];
        }
        return this;
    }

    JsonOut number(long v) {
        if (v >= 0 && v < 10) return raw((byte) ('0' + v));
        return ascii(Long.toString(v));
    }

    /** A quoted, escaped JSON string. */
    JsonOut string(String s) {
        int n = s.length();
        ensure(n + 2);
        buf[len++] = '"';
        int i = 0;
        // fast path: the run of printable ASCII without quote or backslash, copied in bulk
        while (i < n) {
            char c = s.charAt(i);
            if (c >= 0x80 || ESCAPES[c] != 0) break;
            i++;
        }
        if (i > 0) {
            copyLowBytes(s, i);
        }
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                int e = ESCAPES[c];
                if (e == 0) {
                    ensure(1);
                    buf[len++] = (byte) c;
                } else if (e > 0) {
                    ensure(2);
                    buf[len++] = '\\';
                    buf[len++] = (byte) e;
                } else {
                    unicodeEscape(c);
                }
            } else if (c < 0x800) {
                ensure(2);
                buf[len++] = (byte) (0xC0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                unicodeEscape(c); // as Jackson writes supplementary characters: both halves escaped
            } else {
                ensure(3);
                buf[len++] = (byte) (0xE0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        ensure(1);
        buf[len++] = '"';
        return this;
    }

    @SuppressWarnings("deprecation") // the first n chars are ASCII: their low bytes are their UTF-8
    private void copyLowBytes(String s, int n) {
        s.getBytes(0, n, buf, len);
        len += n;
    }

    private void unicodeEscape(char c) {
        ensure(6);
        buf[len++] = '\\';
        buf[len++] = 'u';
        buf[len++] = HEX[(c >> 12) & 0xF];
        buf[len++] = HEX[(c >> 8) & 0xF];
        buf[len++] = HEX[(c >> 4) & 0xF];
        buf[len++] = HEX[c & 0xF];
    }

    /**
     * Any value as Jackson would write it. Maps must have string keys and lists, arrays, strings, numbers, booleans
     * and null are written here; every other type (and maps with other keys) goes through Jackson.
     */
    JsonOut value(Object v) {
        if (v == null) return ascii("null");
        if (v instanceof String s) return string(s);
        if (v instanceof Boolean b) return ascii(b ? "true" : "false");
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) return number(((Number) v).longValue());
        if (v instanceof BigInteger || v instanceof BigDecimal) return ascii(v.toString());
        if (v instanceof Double d && Double.isFinite(d)) return ascii(Double.toString(d));
        if (v instanceof Float f && Float.isFinite(f)) return ascii(Float.toString(f));
        if (v instanceof Map<?, ?> m && stringKeys(m)) {
            raw((byte) '{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) raw((byte) ',');
                first = false;
                string((String) e.getKey()).raw((byte) ':').value(e.getValue());
            }
            return raw((byte) '}');
        }
        if (v instanceof java.util.Collection<?> c) {
            raw((byte) '[');
            boolean first = true;
            for (Object o : c) {
                if (!first) raw((byte) ',');
                first = false;
                value(o);
            }
            return raw((byte) ']');
        }
        if (v instanceof Object[] arr) {
            raw((byte) '[');
            for (int i = 0; i < arr.length; i++) {
                if (i > 0) raw((byte) ',');
                value(arr[i]);
            }
            return raw((byte) ']');
        }
        return raw(Json.write(v));
    }

    private static boolean stringKeys(Map<?, ?> m) {
        for (Object k : m.keySet()) if (!(k instanceof String)) return false;
        return true;
    }
}
