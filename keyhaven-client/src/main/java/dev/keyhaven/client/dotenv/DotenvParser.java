package dev.keyhaven.client.dotenv;

import dev.keyhaven.client.Secret;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A dotenv parser with the semantics users expect from docker compose, python-dotenv and motdotla/dotenv:
 *
 * <ul>
 *   <li>{@code KEY=value}, optional {@code export } prefix, spaces around {@code =} allowed; keys match
 *       {@code [A-Za-z_][A-Za-z0-9_.-]*}.</li>
 *   <li>Blank lines and lines starting with {@code #} are ignored. In an unquoted value, {@code #} starts a
 *       comment only when preceded by whitespace ({@code KEY=a#b} keeps {@code a#b}).</li>
 *   <li>Unquoted values are trimmed. {@code \$} gives a literal {@code $}; other backslashes are kept.</li>
 *   <li>Single quotes (and backticks) are literal: no escapes, no expansion, may span lines.</li>
 *   <li>Double quotes may span lines and understand {@code \n \r \t \" \\ \$ \'}; a backslash before a line
 *       end joins the lines; an unknown escape is kept as written.</li>
 *   <li>{@code ${VAR}}, {@code $VAR}, {@code ${VAR:-default}} and {@code ${VAR-default}} expand in unquoted
 *       and double-quoted values. A name resolves first from the process environment (which also wins over
 *       the file in the default chain, so expansion agrees with what the application sees), then from keys
 *       assigned earlier (in this file or an earlier file); an unknown name expands to the empty string, as
 *       in a shell. {@code ${VAR:-d}} uses {@code d} when VAR is unset or empty, {@code ${VAR-d}} only when
 *       unset.</li>
 *   <li>A UTF-8 byte order mark is skipped; CRLF and lone CR count as line ends.</li>
 *   <li>A later assignment of the same key replaces an earlier one.</li>
 *   <li>Invalid lines are collected and reported together with their line numbers, never their text
 *       ({@link DotenvSyntaxException}). An unterminated quote ends parsing, since nothing after it can be
 *       trusted.</li>
 * </ul>
 *
 * Instances are immutable and thread-safe.
 */
public final class DotenvParser {

    private final Function<String, String> environment;
    private final boolean expand;

    private DotenvParser(Function<String, String> environment, boolean expand) {
        this.environment = environment;
        this.expand = expand;
    }

    /** A parser that expands variables from {@code environment} first, then from earlier keys. */
    public static DotenvParser expandingFrom(Map<String, String> environment) {
        Map<String, String> env = Map.copyOf(environment);
        return new DotenvParser(env::get, true);
    }

    /** A parser that expands variables from earlier keys only. */
    public static DotenvParser expandingFromFileOnly() {
        return new DotenvParser(k -> null, true);
    }

    /** A parser that leaves {@code $} alone (for reading the keys of a {@code .env.example}). */
    public static DotenvParser literal() {
        return new DotenvParser(k -> null, false);
    }

    /** Parses {@code text}; {@code origin} names it in error messages. */
    public List<DotenvEntry> parse(String text, String origin) {
        return parse(text, origin, Map.of());
    }

    /**
     * Parses {@code text}, resolving expansions against {@code earlier} (keys of files read before this one)
     * after the environment.
     *
     * @throws DotenvSyntaxException listing every invalid line
     */
    public List<DotenvEntry> parse(String text, String origin, Map<String, String> earlier) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(origin, "origin");
        return new Run(normalize(text), origin, earlier).parse();
    }

    private static String normalize(String text) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (t.indexOf('\r') < 0) {
            return t;
        }
        return t.replace("\r\n", "\n").replace('\r', '\n');
    }

    private static boolean isKeyStart(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    }

    private static boolean isKeyPart(char c) {
        return isKeyStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
    }

    private static boolean isVarPart(char c) {
        return isKeyStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** Signals an unterminated construct: parsing cannot continue. */
    private static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Abort() {
            super(null, null, false, false);
        }
    }

    /** One parse; not thread-safe, never shared. */
    private final class Run {
        private final String s;
        private final String origin;
        private final Map<String, String> earlier;
        private final Map<String, String> defined = new java.util.HashMap<>();
        private final List<DotenvEntry> entries = new ArrayList<>();
        private final List<DotenvSyntaxException.Problem> problems = new ArrayList<>();
        private int pos;
        private int line = 1;

        Run(String s, String origin, Map<String, String> earlier) {
            this.s = s;
            this.origin = origin;
            this.earlier = earlier;
        }

        List<DotenvEntry> parse() {
            try {
                while (pos < s.length()) {
                    statement();
                }
            } catch (Abort stop) {
                // the problem is recorded already
            }
            if (!problems.isEmpty()) {
                throw new DotenvSyntaxException(origin, problems);
            }
            return List.copyOf(entries);
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\n';
        }

        private boolean atLineEnd() {
            return pos >= s.length() || s.charAt(pos) == '\n';
        }

        private void skipBlanks() {
            while (pos < s.length() && isBlank(s.charAt(pos))) {
                pos++;
            }
        }

        /** Skips to just after the current line's end. */
        private void skipLine() {
            while (pos < s.length() && s.charAt(pos) != '\n') {
                pos++;
            }
            if (pos < s.length()) {
                pos++;
                line++;
            }
        }

        private void problem(int atLine, String reason) {
            problems.add(new DotenvSyntaxException.Problem(atLine, reason));
        }

        private void statement() {
            int startLine = line;
            skipBlanks();
            if (atLineEnd()) {
                skipLine();
                return;
            }
            if (peek() == '#') {
                skipLine();
                return;
            }
            if (s.startsWith("export", pos) && pos + 6 < s.length() && isBlank(s.charAt(pos + 6))) {
                pos += 6;
                skipBlanks();
            }
            int keyStart = pos;
            if (!isKeyStart(peek())) {
                problem(startLine, "expected KEY=value (a key starts with a letter or underscore)");
                skipLine();
                return;
            }
            while (pos < s.length() && isKeyPart(s.charAt(pos))) {
                pos++;
            }
            String key = s.substring(keyStart, pos);
            skipBlanks();
            if (peek() != '=') {
                problem(startLine, atLineEnd() ? "missing '=' after the key" : "unexpected character after the key (expected '=')");
                skipLine();
                return;
            }
            pos++;
            int beforeBlanks = pos;
            skipBlanks();
            boolean blankBefore = pos > beforeBlanks;
            String value;
            char c = peek();
            if (atLineEnd()) {
                value = "";
            } else if (c == '\'' || c == '`') {
                value = literalQuoted(c, startLine);
                if (!afterClosingQuote(startLine)) {
                    return;
                }
            } else if (c == '"') {
                value = doubleQuoted(startLine);
                if (!afterClosingQuote(startLine)) {
                    return;
                }
            } else if (c == '#' && blankBefore) {
                value = "";
                skipLine();
                record(key, value, startLine);
                return;
            } else {
                value = unquoted(startLine);
            }
            record(key, value, startLine);
            skipLine();
        }

        private void record(String key, String value, int startLine) {
            defined.put(key, value);
            entries.add(new DotenvEntry(key, Secret.of(value), startLine));
        }

        /** After a closing quote only blanks and a comment may follow. Returns false if the line was bad. */
        private boolean afterClosingQuote(int startLine) {
            skipBlanks();
            if (atLineEnd() || peek() == '#') {
                return true;
            }
            problem(startLine, "unexpected characters after the closing quote");
            skipLine();
            return false;
        }

        private String literalQuoted(char quote, int startLine) {
            int start = ++pos;
            int end = s.indexOf(quote, start);
            if (end < 0) {
                problem(startLine, "unterminated " + (quote == '`' ? "backtick" : "single") + "-quoted value; nothing after this line was read");
                throw new Abort();
            }
            String v = s.substring(start, end);
            line += count(v, '\n');
            pos = end + 1;
            return v;
        }

        private String doubleQuoted(int startLine) {
            pos++;
            StringBuilder out = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    problem(startLine, "unterminated double-quoted value; nothing after this line was read");
                    throw new Abort();
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return out.toString();
                }
                if (c == '\\' && pos + 1 < s.length()) {
                    char e = s.charAt(pos + 1);
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case '"' -> out.append('"');
                        case '\\' -> out.append('\\');
                        case '$' -> out.append('$');
                        case '\'' -> out.append('\'');
                        case '\n' -> line++; // backslash-newline joins lines, as in a shell
                        default -> out.append('\\').append(e);
                    }
                    pos += 2;
                    continue;
                }
                if (c == '$' && expand) {
                    expansion(out, startLine, true);
                    continue;
                }
                if (c == '\n') {
                    line++;
                }
                out.append(c);
                pos++;
            }
        }

        private String unquoted(int startLine) {
            StringBuilder out = new StringBuilder();
            while (!atLineEnd()) {
                char c = s.charAt(pos);
                if (c == '#' && out.length() > 0 && isBlank(out.charAt(out.length() - 1))) {
                    break;
                }
                if (c == '\\' && pos + 1 < s.length() && s.charAt(pos + 1) == '$') {
                    out.append('$');
                    pos += 2;
                    continue;
                }
                if (c == '$' && expand) {
                    expansion(out, startLine, false);
                    continue;
                }
                out.append(c);
                pos++;
            }
            int end = out.length();
            while (end > 0 && isBlank(out.charAt(end - 1))) {
                end--;
            }
            out.setLength(end);
            return out.toString();
        }

        /** At a '$': appends the expansion (or a literal '$' when no name follows). */
        private void expansion(StringBuilder out, int startLine, boolean inDoubleQuotes) {
            pos++;
            if (peek() == '{' && pos < s.length()) {
                int close = -1;
                for (int i = pos + 1; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c == '}') {
                        close = i;
                        break;
                    }
                    if (c == '\n' || (c == '"' && inDoubleQuotes)) {
                        break;
                    }
                }
                if (close < 0) {
                    problem(startLine, "unterminated ${...} expansion");
                    // keep going on the same value: treat '$' literally so the rest still parses
                    out.append('$');
                    return;
                }
                String inner = s.substring(pos + 1, close);
                pos = close + 1;
                String name = inner;
                String fallback = null;
                boolean colon = false;
                int dash = inner.indexOf('-');
                if (dash >= 0) {
                    colon = dash > 0 && inner.charAt(dash - 1) == ':';
                    name = inner.substring(0, colon ? dash - 1 : dash);
                    fallback = inner.substring(dash + 1);
                }
                if (name.isEmpty() || !isKeyStart(name.charAt(0)) || !name.chars().allMatch(ch -> isVarPart((char) ch))) {
                    problem(startLine, "invalid variable name in ${...} expansion");
                    return;
                }
                String v = resolve(name);
                if (fallback != null && (v == null || (colon && v.isEmpty()))) {
                    v = fallback;
                }
                out.append(v == null ? "" : v);
                return;
            }
            if (pos < s.length() && isKeyStart(s.charAt(pos))) {
                int start = pos;
                while (pos < s.length() && isVarPart(s.charAt(pos))) {
                    pos++;
                }
                String v = resolve(s.substring(start, pos));
                out.append(v == null ? "" : v);
                return;
            }
            out.append('$');
        }

        private String resolve(String name) {
            String v = environment.apply(name);
            if (v != null) {
                return v;
            }
            v = defined.get(name);
            if (v != null) {
                return v;
            }
            return earlier.get(name);
        }
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
