package dev.keyhaven.scanner;

import dev.keyhaven.scanner.rules.Validator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Generates credential-shaped test values at test time from a seeded RNG, so no credential-shaped literal is ever
 * committed. Templates (resource {@code fake-templates.tsv}) are snippets with generator tokens, e.g.
 * {@code GITHUB_TOKEN=«{gh:ghp}»}: «…» marks the secret; {@code {x:n}} emits n random chars of class x
 * (n alnum, h hex, H HEX, d digit, l lower alnum, u upper alnum, U upper, L lower, a letters, b base64, w base64url,
 * 2 base32, 7 lower base32, bech bech32 upper, pw password); specials build checksummed or structured values.
 */
public final class FakeSecrets {
    public record Template(String ruleId, String ext, String template) {
    }

    /** A generated snippet; {@code secret} is {@code text.substring(start, end)}. */
    public record Sample(String ruleId, String text, int start, int end, String secret) {
        @Override
        public String toString() {
            return "Sample[" + ruleId + "]";
        }
    }

    private final Random rnd;

    public FakeSecrets(long seed) {
        this.rnd = new Random(seed);
    }

    public static List<Template> templates() {
        try (InputStream in = FakeSecrets.class.getResourceAsStream("/dev/keyhaven/scanner/fake-templates.tsv")) {
            List<Template> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] p = line.split("\t", 3);
                out.add(new Template(p[0], p[1], p[2]));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Sample sample(Template t) {
        StringBuilder sb = new StringBuilder();
        int start = -1;
        int end = -1;
        String s = t.template();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '«') {
                start = sb.length();
            } else if (c == '»') {
                end = sb.length();
            } else if (c == '{' && s.indexOf('}', i) > i + 1 && !s.startsWith("{\"", i)) {
                int close = s.indexOf('}', i);
                sb.append(gen(s.substring(i + 1, close)));
                i = close;
            } else {
                sb.append(c);
            }
        }
        String text = sb.toString();
        if (start < 0 || end < start) {
            throw new IllegalStateException("template for " + t.ruleId() + " has no «secret» marker");
        }
        return new Sample(t.ruleId(), text, start, end, text.substring(start, end));
    }

    public String gen(String spec) {
        String[] p = spec.split(":", 2);
        String kind = p[0];
        String arg = p.length > 1 ? p[1] : "";
        return switch (kind) {
            case "gh" -> github(arg);
            case "npm" -> github("npm");
            case "pypi" -> pypi();
            case "jwt" -> jwt();
            case "uuid" -> uuid();
            case "glsa" -> glsa();
            case "glc" -> "glc_" + Base64.getEncoder().encodeToString(("{\"o\":\"" + chars(DIGITS, 6) + "\",\"n\":\"stack-"
                    + chars(LOWER, 6) + "\",\"k\":\"" + chars(ALNUM, 24) + "\",\"m\":{\"r\":\"prod-us-east-0\"}}").getBytes(StandardCharsets.UTF_8));
            case "sntrys" -> "sntrys_" + Base64.getEncoder().encodeToString(("{\"iat\":" + (1700000000 + rnd.nextInt(9999999))
                    + ".0,\"url\":\"https://sentry.io\",\"region_url\":\"https://us.sentry.io\",\"org\":\"" + chars(LOWER, 8) + "\"}")
                    .getBytes(StandardCharsets.UTF_8)) + "_" + chars(B64, 43);
            case "discord" -> Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ("1" + chars(DIGITS, 17)).getBytes(StandardCharsets.US_ASCII)) + "." + chars(B64URL, 6) + "." + chars(B64URL, 38);
            case "pem" -> pem(arg);
            case "pw" -> password(Integer.parseInt(arg));
            default -> chars(charset(kind), Integer.parseInt(arg));
        };
    }

    static final String DIGITS = "0123456789";
    static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static final String ALNUM = UPPER + LOWER + DIGITS;
    static final String HEX = "0123456789abcdef";
    static final String B64 = ALNUM + "+/";
    static final String B64URL = ALNUM + "-_";

    private static String charset(String kind) {
        return switch (kind) {
            case "n" -> ALNUM;
            case "h" -> HEX;
            case "H" -> HEX.toUpperCase(java.util.Locale.ROOT);
            case "d" -> DIGITS;
            case "l" -> LOWER + DIGITS;
            case "u" -> UPPER + DIGITS;
            case "U" -> UPPER;
            case "L" -> LOWER;
            case "a" -> UPPER + LOWER;
            case "b" -> B64;
            case "w" -> B64URL;
            case "2" -> UPPER + "234567";
            case "7" -> LOWER + "234567";
            case "bech" -> "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
            default -> throw new IllegalArgumentException("unknown generator " + kind);
        };
    }

    public String chars(String alphabet, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        // base64url bodies must not end in '-' (keeps word-boundary rules honest, as real tokens rarely do)
        if (n > 0 && (sb.charAt(n - 1) == '-' || sb.charAt(n - 1) == '_')) {
            sb.setCharAt(n - 1, 'Q');
        }
        return sb.toString();
    }

    public String github(String prefix) {
        String body = chars(ALNUM, 30);
        return prefix + "_" + body + Validator.base62Crc(body);
    }

    /** Same shape as a GitHub token but with a checksum that does not match. */
    public String githubWrongChecksum(String prefix) {
        String body = chars(ALNUM, 30);
        String good = Validator.base62Crc(body);
        String bad;
        do {
            bad = chars(ALNUM, 6);
        } while (bad.equals(good));
        return prefix + "_" + body + bad;
    }

    public String uuid() {
        return new java.util.UUID(rnd.nextLong(), rnd.nextLong()).toString();
    }

    public String glsa() {
        String head = "glsa_" + chars(ALNUM, 32);
        return head + "_" + Validator.crc32Hex(head);
    }

    public String jwt() {
        Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
        String header = e.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = e.encodeToString(("{\"sub\":\"" + chars(LOWER, 10) + "\",\"iat\":" + (1600000000 + rnd.nextInt(99999999))
                + ",\"scope\":\"admin\"}").getBytes(StandardCharsets.UTF_8));
        byte[] sig = new byte[32];
        rnd.nextBytes(sig);
        return header + "." + payload + "." + e.encodeToString(sig);
    }

    public String pypi() {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.write(2);
        field(m, 1, "pypi.org".getBytes(StandardCharsets.US_ASCII));
        byte[] id = new byte[32];
        rnd.nextBytes(id);
        field(m, 2, id);
        m.write(0);
        field(m, 2, ("{\"version\": 1, \"permissions\": {\"projects\": [\"" + chars(LOWER, 8) + "\"]}}").getBytes(StandardCharsets.US_ASCII));
        m.write(0);
        m.write(0);
        byte[] sig = new byte[32];
        rnd.nextBytes(sig);
        field(m, 6, sig);
        return "pypi-" + Base64.getUrlEncoder().withoutPadding().encodeToString(m.toByteArray());
    }

    private static void field(ByteArrayOutputStream m, int type, byte[] data) {
        m.write(type);
        int len = data.length;
        while (len >= 0x80) {
            m.write((len & 0x7f) | 0x80);
            len >>>= 7;
        }
        m.write(len);
        m.writeBytes(data);
    }

    public String pem(String type) {
        StringBuilder sb = new StringBuilder();
        String label = (type.isEmpty() ? "" : type + " ") + "PRIVATE" + " KEY";
        sb.append("-----BEGIN ").append(label).append("-----\n");
        for (int i = 0; i < 12; i++) {
            sb.append(chars(B64, 64)).append('\n');
        }
        sb.append(chars(B64, 20)).append("==\n");
        sb.append("-----END ").append(label).append("-----");
        return sb.toString();
    }

    /** Random password: starts with a letter, contains a digit and a symbol. */
    public String password(int n) {
        String symbols = "!%*+@^~?";
        StringBuilder sb = new StringBuilder();
        sb.append(chars(UPPER + LOWER, 1));
        sb.append(chars(ALNUM + symbols, n - 3));
        sb.append(chars(DIGITS, 1));
        sb.append(chars(symbols, 1));
        return sb.toString();
    }

    public byte[] bytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    public Random random() {
        return rnd;
    }
}
