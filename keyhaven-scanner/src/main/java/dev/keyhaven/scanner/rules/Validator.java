package dev.keyhaven.scanner.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * Structural or checksum checks for token formats that carry one. A candidate that fails is not a finding
 * (it is a look-alike: a hash, a test vector, a typo). Referenced from rules by name ({@code validate = "..."}).
 */
public enum Validator {
    /** GitHub ghp_/gho_/ghu_/ghs_/ghr_ and npm_ tokens: 30 base62 chars then base62(CRC32 of them), 6 chars. */
    BASE62_CRC32("base62-crc32"),
    /** PyPI upload token: "pypi-" + base64url(macaroon v2) with location pypi.org and a 32-byte signature. */
    PYPI_MACAROON("pypi-macaroon"),
    /** JWT: three base64url parts, header is a JSON object with "alg", payload is a JSON object. */
    JWT("jwt"),
    /** Grafana service account token glsa_ + 32 base62 + _ + 8 hex CRC32 of everything before it. */
    GRAFANA_SA_CRC32("grafana-sa-crc32"),
    /** Grafana Cloud token glc_ + base64 of a JSON object with an "o" (org) field. */
    GRAFANA_CLOUD_JSON("grafana-cloud-json"),
    /** Sentry org token sntrys_ + base64 of a JSON object with "iat" and "url"/"region_url", then _ + secret. */
    SENTRY_ORG_JSON("sentry-org-json"),
    /** Discord bot token: first part is base64 of a numeric snowflake id. */
    DISCORD_SNOWFLAKE("discord-snowflake"),
    /** OpenAI project/user keys carry the base64 marker of "OpenAI" (T3BlbkFJ). */
    OPENAI_MARKER("openai-marker"),
    /** AWS access key id: after the 4-letter prefix, base32 alphabet only. */
    AWS_KEY_ID("aws-key-id");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final String id;

    Validator(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Validator byName(String name) {
        for (Validator v : values()) {
            if (v.id.equals(name.toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown validator '" + name + "'");
    }

    public boolean isValid(String secret) {
        try {
            return switch (this) {
                case BASE62_CRC32 -> base62Crc32(secret);
                case PYPI_MACAROON -> pypi(secret);
                case JWT -> jwt(secret);
                case GRAFANA_SA_CRC32 -> grafanaSa(secret);
                case GRAFANA_CLOUD_JSON -> jsonObject(b64(secret.substring(secret.indexOf('_') + 1)), "o");
                case SENTRY_ORG_JSON -> sentryOrg(secret);
                case DISCORD_SNOWFLAKE -> discord(secret);
                case OPENAI_MARKER -> secret.contains("T3BlbkFJ");
                case AWS_KEY_ID -> secret.substring(4).chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'));
            };
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** base62 of an unsigned 32-bit value, left-padded with '0' to 6 chars. */
    public static String base62Crc(String data) {
        CRC32 crc = new CRC32();
        crc.update(data.getBytes(StandardCharsets.US_ASCII));
        long v = crc.getValue();
        StringBuilder sb = new StringBuilder();
        while (v > 0) {
            sb.append(BASE62.charAt((int) (v % 62)));
            v /= 62;
        }
        while (sb.length() < 6) {
            sb.append('0');
        }
        return sb.reverse().toString();
    }

    private static boolean base62Crc32(String s) {
        int us = s.lastIndexOf('_');
        String body = s.substring(us + 1);
        if (body.length() != 36) {
            return false;
        }
        return base62Crc(body.substring(0, 30)).equals(body.substring(30));
    }

    public static String crc32Hex(String data) {
        CRC32 crc = new CRC32();
        crc.update(data.getBytes(StandardCharsets.US_ASCII));
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }

    private static boolean grafanaSa(String s) {
        int us = s.lastIndexOf('_');
        return us > 0 && s.length() - us - 1 == 8 && crc32Hex(s.substring(0, us)).equals(s.substring(us + 1));
    }

    private static byte[] b64(String s) {
        String t = s.replace('-', '+').replace('_', '/');
        while (t.length() % 4 != 0) {
            t += "=";
        }
        return Base64.getDecoder().decode(t);
    }

    private static boolean jsonObject(byte[] bytes, String field) {
        try {
            JsonNode n = JSON.readTree(bytes);
            return n != null && n.isObject() && (field == null || n.has(field));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean jwt(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return false;
        }
        return jsonObject(b64(parts[0]), "alg") && jsonObject(b64(parts[1]), null);
    }

    private static boolean sentryOrg(String s) {
        String body = s.substring("sntrys_".length());
        int us = body.lastIndexOf('_');
        byte[] json = b64(us > 0 ? body.substring(0, us) : body);
        return jsonObject(json, "iat");
    }

    private static boolean discord(String s) {
        String first = s.substring(0, s.indexOf('.'));
        String id = new String(b64(first), StandardCharsets.US_ASCII);
        return id.length() >= 17 && id.length() <= 20 && id.chars().allMatch(Character::isDigit);
    }

    /** Macaroon v2 binary: version 2, then fields (type varint, length varint, data), EOS = 0 ... signature type 6, 32 bytes. */
    private static boolean pypi(String s) {
        byte[] m = b64(s.substring("pypi-".length()));
        if (m.length < 40 || m[0] != 2) {
            return false;
        }
        int[] pos = {1};
        boolean sawLocation = false;
        boolean sawIdentifier = false;
        while (pos[0] < m.length) {
            int type = varint(m, pos);
            if (type == 0) {
                continue; // end of a section
            }
            int len = varint(m, pos);
            if (len < 0 || pos[0] + len > m.length) {
                return false;
            }
            if (type == 1 && !sawLocation) {
                sawLocation = new String(m, pos[0], len, StandardCharsets.US_ASCII).equals("pypi.org")
                        || new String(m, pos[0], len, StandardCharsets.US_ASCII).equals("test.pypi.org");
            } else if (type == 2) {
                sawIdentifier = true;
            } else if (type == 6) {
                return len == 32 && pos[0] + len == m.length && sawLocation && sawIdentifier;
            }
            pos[0] += len;
        }
        return false;
    }

    private static int varint(byte[] m, int[] pos) {
        int result = 0;
        int shift = 0;
        while (pos[0] < m.length && shift < 32) {
            int b = m[pos[0]++] & 0xff;
            result |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
            shift += 7;
        }
        return -1;
    }
}
