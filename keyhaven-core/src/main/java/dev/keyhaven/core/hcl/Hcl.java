package dev.keyhaven.core.hcl;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser for the HCL subset Vault's policies and server configs use (HCL 1 as Vault writes it, which is also
 * valid HCL 2 for these files): attributes {@code key = value}, blocks {@code type "label" ... { body }},
 * strings with escapes, heredocs ({@code <<EOF} / {@code <<-EOF}), numbers, booleans, {@code null}, lists and
 * objects (comma or newline separated, trailing commas allowed, {@code =} or {@code :} between key and value),
 * comments {@code #}, {@code //} and {@code /* *}{@code /}. Every node keeps its line for error messages.
 *
 * <p>Values are Java objects: {@link String}, {@link Long}/{@link BigInteger}/{@link BigDecimal},
 * {@link Boolean}, {@code null}, {@link List}, and {@link HclBody} for objects (so positions survive).
 */
public final class Hcl {
    /** An attribute {@code name = value}. */
    public record Attribute(String name, Object value, int line, int column) {}

    /** A block {@code type "label"... { body }}. */
    public record Block(String type, List<String> labels, HclBody body, int line, int column) {}

    /** Nesting limit: deeper input is rejected rather than overflowing the stack. */
    public static final int MAX_DEPTH = 64;

    private final String src;
    private int pos;
    private int line = 1;
    private int col = 1;
    private int depth;

    private Hcl(String src) {
        this.src = src;
    }

    /** Parses a whole document. */
    public static HclBody parse(String src) {
        Hcl p = new Hcl(src);
        HclBody body = p.body(false, 1, 1);
        p.skipWsAndNewlines();
        if (p.pos < p.src.length()) throw p.error("unexpected '" + p.printable(p.peek()) + "'");
        return body;
    }

    private HclBody body(boolean braced, int startLine, int startCol) {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        List<Attribute> attrs = new ArrayList<>();
        List<Block> blocks = new ArrayList<>();
        while (true) {
            skipWsAndNewlines();
            if (pos >= src.length()) {
                if (braced) throw error("unclosed '{' opened at line " + startLine);
                break;
            }
            char c = peek();
            if (c == '}') {
                if (!braced) throw error("unexpected '}'");
                advance();
                break;
            }
            if (c == ',') { advance(); continue; }
            int l = line, cl = col;
            String key = key();
            skipWs();
            if (pos >= src.length()) throw error("expected '=' or '{' after '" + key + "'");
            c = peek();
            if (c == '=' || c == ':') {
                advance();
                skipWs();
                Object v = value();
                attrs.add(new Attribute(key, v, l, cl));
                endOfItem();
            } else {
                List<String> labels = new ArrayList<>();
                while (pos < src.length() && peek() != '{') {
                    if (peek() == '"') labels.add(string());
                    else if (isIdentStart(peek())) labels.add(ident());
                    else if (peek() == '=') { advance(); skipWs(); continue; } // HCL1: path "x" = { ... }
                    else throw error("expected a label, '=' or '{' after '" + key + "', found '" + printable(peek()) + "'");
                    skipWs();
                }
                if (pos >= src.length()) throw error("expected '{' after block '" + key + "'");
                int bl = line, bc = col;
                advance(); // {
                HclBody inner = body(true, bl, bc);
                blocks.add(new Block(key, List.copyOf(labels), inner, l, cl));
            }
        }
        depth--;
        return new HclBody(attrs, blocks, startLine, startCol);
    }

    private void endOfItem() {
        skipWs();
        if (pos >= src.length()) return;
        char c = peek();
        if (c == '\n' || c == ',' || c == '}' || c == '\r') return;
        if (c == '#' || (c == '/' && pos + 1 < src.length() && (src.charAt(pos + 1) == '/' || src.charAt(pos + 1) == '*'))) return;
        throw error("expected a newline after the value, found '" + printable(c) + "'");
    }

    private String key() {
        char c = peek();
        if (c == '"') return string();
        if (isIdentStart(c)) return ident();
        throw error("expected a name, found '" + printable(c) + "'");
    }

    private Object value() {
        if (pos >= src.length()) throw error("expected a value");
        char c = peek();
        switch (c) {
            case '"': return string();
            case '[': return list();
            case '{': {
                int l = line, cl = col;
                advance();
                return body(true, l, cl);
            }
            case '<': return heredoc();
            default:
                if (c == '-' || c == '+' || (c >= '0' && c <= '9')) return number();
                if (isIdentStart(c)) {
                    int l = line, cl = col;
                    String id = ident();
                    switch (id) {
                        case "true": return Boolean.TRUE;
                        case "false": return Boolean.FALSE;
                        case "null": return null;
                        default:
                            throw new HclException("unexpected bare word '" + id + "' (strings must be quoted)", l, cl);
                    }
                }
                throw error("expected a value, found '" + printable(c) + "'");
        }
    }

    private List<Object> list() {
        if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        int l = line;
        advance(); // [
        List<Object> out = new ArrayList<>();
        while (true) {
            skipWsAndNewlines();
            if (pos >= src.length()) throw error("unclosed '[' opened at line " + l);
            if (peek() == ']') { advance(); break; }
            out.add(value());
            skipWsAndNewlines();
            if (pos >= src.length()) throw error("unclosed '[' opened at line " + l);
            if (peek() == ',') { advance(); continue; }
            if (peek() == ']') { advance(); break; }
            throw error("expected ',' or ']' in list, found '" + printable(peek()) + "'");
        }
        depth--;
        return out;
    }

    private Object number() {
        int start = pos, l = line, cl = col;
        if (peek() == '-' || peek() == '+') advance();
        boolean dec = false;
        while (pos < src.length()) {
            char c = peek();
            if (c >= '0' && c <= '9') advance();
            else if (c == '.' || c == 'e' || c == 'E') { dec = true; advance(); if ((c == 'e' || c == 'E') && pos < src.length() && (peek() == '-' || peek() == '+')) advance(); }
            else break;
        }
        String s = src.substring(start, pos);
        try {
            if (dec) return new BigDecimal(s);
            BigInteger bi = new BigInteger(s);
            return bi.bitLength() < 64 ? (Object) bi.longValue() : bi;
        } catch (NumberFormatException e) {
            throw new HclException("invalid number '" + s + "'", l, cl);
        }
    }

    private String heredoc() {
        int l = line, cl = col;
        if (!src.startsWith("<<", pos)) throw error("expected a value, found '<'");
        advance(); advance();
        boolean indent = false;
        if (pos < src.length() && peek() == '-') { indent = true; advance(); }
        if (pos >= src.length() || !isIdentStart(peek())) throw error("expected a heredoc marker after '<<'");
        String marker = ident();
        skipWs();
        if (pos < src.length() && peek() == '\r') advance();
        if (pos >= src.length() || peek() != '\n') throw error("expected a newline after heredoc marker " + marker);
        advance();
        List<String> lines = new ArrayList<>();
        while (true) {
            if (pos >= src.length()) throw new HclException("heredoc " + marker + " is never closed", l, cl);
            int eol = src.indexOf('\n', pos);
            String ln = eol < 0 ? src.substring(pos) : src.substring(pos, eol);
            String bare = ln.endsWith("\r") ? ln.substring(0, ln.length() - 1) : ln;
            boolean closing = bare.strip().equals(marker) && (indent || bare.equals(marker));
            // the closing line's newline ends the attribute: leave it for the caller
            int stop = eol < 0 ? src.length() : (closing ? eol : eol + 1);
            while (pos < stop) advance0();
            if (closing) break;
            lines.add(bare);
        }
        if (indent) {
            int min = Integer.MAX_VALUE;
            for (String s : lines) if (!s.isBlank()) min = Math.min(min, s.length() - s.stripLeading().length());
            if (min == Integer.MAX_VALUE) min = 0;
            List<String> cut = new ArrayList<>();
            for (String s : lines) cut.add(s.length() >= min ? s.substring(min) : s.stripLeading());
            lines = cut;
        }
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    private String string() {
        int l = line, cl = col;
        advance(); // "
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= src.length()) throw new HclException("unterminated string", l, cl);
            char c = peek();
            if (c == '\n') throw new HclException("unterminated string (newline inside quotes)", l, cl);
            advance();
            if (c == '"') break;
            if (c == '\\') {
                if (pos >= src.length()) throw new HclException("unterminated string", l, cl);
                char e = peek();
                advance();
                switch (e) {
                    case 'n': sb.append('\n'); break;
                    case 't': sb.append('\t'); break;
                    case 'r': sb.append('\r'); break;
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'u': case 'U': {
                        int n = e == 'u' ? 4 : 8;
                        if (pos + n > src.length()) throw error("incomplete \\" + e + " escape");
                        String hex = src.substring(pos, pos + n);
                        try {
                            int cp = Integer.parseInt(hex, 16);
                            if (cp >= 0xD800 && cp <= 0xDFFF) throw error("invalid \\" + e + " escape: surrogate code point");
                            sb.appendCodePoint(cp);
                        } catch (IllegalArgumentException ex) {
                            throw error("invalid \\" + e + " escape");
                        }
                        for (int i = 0; i < n; i++) advance();
                        break;
                    }
                    default: throw error("invalid escape '\\" + printable(e) + "'");
                }
            } else if (c == '$' && pos < src.length() && peek() == '{') {
                sb.append(c); // interpolation is kept literally; Vault's files do not use it
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private String ident() {
        int start = pos;
        while (pos < src.length()) {
            char c = peek();
            if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.') advance();
            else break;
        }
        return src.substring(start, pos);
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private void skipWs() {
        while (pos < src.length()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\uFEFF') advance();
            else if (c == '#' || (c == '/' && pos + 1 < src.length() && src.charAt(pos + 1) == '/')) {
                while (pos < src.length() && peek() != '\n') advance();
            } else if (c == '/' && pos + 1 < src.length() && src.charAt(pos + 1) == '*') {
                int l = line, cl = col;
                int end = src.indexOf("*/", pos + 2);
                if (end < 0) throw new HclException("unterminated comment", l, cl);
                while (pos < end + 2) advance();
            } else break;
        }
    }

    private void skipWsAndNewlines() {
        while (true) {
            skipWs();
            if (pos < src.length() && peek() == '\n') advance();
            else return;
        }
    }

    private char peek() {
        return src.charAt(pos);
    }

    private void advance() {
        advance0();
    }

    private void advance0() {
        if (src.charAt(pos) == '\n') { line++; col = 1; } else col++;
        pos++;
    }

    private HclException error(String msg) {
        return new HclException(msg, line, col);
    }

    private String printable(char c) {
        if (c == '\n') return "\\n";
        if (c < 0x20 || c == 0x7f) return String.format("\\x%02x", (int) c);
        return String.valueOf(c);
    }

    /** Converts a parsed value to plain Java (objects become ordered maps; repeated keys keep the last). */
    public static Object plain(Object v) {
        if (v instanceof HclBody b) return b.toMap();
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) out.add(plain(o));
            return out;
        }
        return v;
    }

    static Map<String, Object> newMap() {
        return new LinkedHashMap<>();
    }
}
