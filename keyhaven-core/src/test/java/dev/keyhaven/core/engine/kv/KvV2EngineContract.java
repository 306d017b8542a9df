package dev.keyhaven.core.engine.kv;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.PrefixedStorage;
import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared fixture for the KV v2 engine tests: the engine runs over {@code new PrefixedStorage(backing, "logical/x/")},
 * where the backing store comes from {@link #newBackingStorage()} so the same tests run over every backend.
 */
abstract class KvV2EngineContract {
    /** The timestamp of Vault's documentation sample, to compare rendered times verbatim. */
    static final Instant T0 = Instant.parse("2018-03-22T02:24:06.945319214Z");

    protected Storage backing;
    protected Storage storage;
    protected MutableClock clock;
    protected KvV2Engine engine;

    /** A fresh, empty store. Called once per test. */
    protected abstract Storage newBackingStorage();

    @BeforeEach
    void setUpEngine() {
        backing = newBackingStorage();
        storage = new PrefixedStorage(backing, "logical/x/");
        clock = new MutableClock(T0);
        engine = new KvV2Engine(new EngineContext("secret/", "kv_test", "kv", Map.of("version", "2"), storage, clock));
    }

    @AfterEach
    void closeBacking() {
        engine.close();
        backing.close();
    }

    // ---------------------------------------------------------------------------------------------- requests

    Request request(Operation op, String rel, Map<String, Object> data, String contentType) {
        Request r = Request.builder(op, "secret/" + rel).data(data).contentType(contentType).build();
        r.setMount("secret/", "kv", "kv_test", rel);
        return r;
    }

    Response call(Operation op, String rel, String json) {
        String ct = op == Operation.PATCH ? "application/merge-patch+json" : "application/json";
        return engine.handle(request(op, rel, parse(json), ct));
    }

    Response write(String rel, String json) {
        return call(Operation.UPDATE, rel, json);
    }

    Response patch(String rel, String json) {
        return call(Operation.PATCH, rel, json);
    }

    Response read(String rel) {
        return engine.handle(request(Operation.READ, rel, Map.of(), ""));
    }

    /** A GET with query parameters, which the edge merges into data as strings. */
    Response read(String rel, String... query) {
        Map<String, Object> q = new LinkedHashMap<>();
        for (int i = 0; i < query.length; i += 2) q.put(query[i], query[i + 1]);
        return engine.handle(request(Operation.READ, rel, q, ""));
    }

    Response list(String rel) {
        return engine.handle(request(Operation.LIST, rel, Map.of(), ""));
    }

    Response delete(String rel) {
        return engine.handle(request(Operation.DELETE, rel, Map.of(), ""));
    }

    /** Writes {"data": json} and returns the new version number. */
    long put(String path, String dataJson) {
        return body(write("data/" + path, "{\"data\":" + dataJson + "}")).get("version").asLong();
    }

    static Map<String, Object> parse(String json) {
        return Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The response data as JSON, exactly as the edge would render it inside the envelope. */
    static JsonNode body(Response r) {
        try {
            return Json.MAPPER.readTree(Json.write(r.data()));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode json(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static KeyhavenException failure(Runnable call) {
        KeyhavenException e = catchThrowableOfType(KeyhavenException.class, call::run);
        assertThat(e).as("expected a KeyhavenException").isNotNull();
        return e;
    }

    static void assertBadRequest(Runnable call, String messagePart) {
        KeyhavenException e = failure(call);
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(String.join("\n", e.errors())).contains(messagePart);
    }

    static void assertNotFoundWithoutBody(Runnable call) {
        KeyhavenException e = failure(call);
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(e.errors()).isEmpty();
    }

    static void assertUnsupported(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(KeyhavenException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_OPERATION));
    }

    // ---------------------------------------------------------------------------------------------- storage views

    /** Every key → value in the engine's view, read through the SPI only (works on every backend). */
    Map<String, String> snapshot() {
        Map<String, String> out = new TreeMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, String> out) {
        for (String child : storage.list(prefix)) {
            if (child.endsWith("/")) {
                collect(prefix + child, out);
            } else {
                String key = prefix + child;
                out.put(key, new String(storage.get(key).orElseThrow(), StandardCharsets.UTF_8));
            }
        }
    }

    List<String> versionRecords() {
        return snapshot().keySet().stream().filter(k -> k.startsWith("versions/")).toList();
    }
}
