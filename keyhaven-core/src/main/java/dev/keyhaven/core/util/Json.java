package dev.keyhaven.core.util;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.keyhaven.core.logical.KeyhavenException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one strict JSON mapper: duplicate keys, trailing tokens and non-standard JSON are rejected. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
            .build();

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    private Json() {}

    /**
     * Parses a JSON object, or throws a 400 {@link KeyhavenException} whose message names the problem (position,
     * kind) but never echoes the input, which may hold secrets.
     */
    public static Map<String, Object> parseObject(byte[] body) {
        if (body == null || body.length == 0) return new LinkedHashMap<>();
        try {
            Object v = MAPPER.readValue(body, Object.class);
            if (v == null) return new LinkedHashMap<>();
            if (!(v instanceof Map)) throw KeyhavenException.badRequest("failed to parse JSON input: request body must be a JSON object");
            return MAPPER.convertValue(v, MAP);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            String what = e.getOriginalMessage();
            // Jackson quotes offending tokens; keep only the part before any quoted text.
            int q = what.indexOf('\'');
            if (q > 0) what = what.substring(0, q).trim();
            int nl = what.indexOf('\n');
            if (nl > 0) what = what.substring(0, nl);
            throw KeyhavenException.badRequest("failed to parse JSON input: " + what + where);
        } catch (IOException e) {
            throw KeyhavenException.badRequest("failed to parse JSON input");
        }
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
