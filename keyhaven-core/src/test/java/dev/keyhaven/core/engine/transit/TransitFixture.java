package dev.keyhaven.core.engine.transit;

import dev.keyhaven.core.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keyhaven.core.engine.EngineContext;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import dev.keyhaven.core.storage.memory.MemoryStorage;
import dev.keyhaven.core.util.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/** A transit engine on in-memory storage with a settable clock; requests go through {@code Engine.handle}. */
final class TransitFixture {
    final MemoryStorage storage = new MemoryStorage();
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-15T10:00:00Z"));
    final TransitEngine engine = new TransitEngine(new EngineContext("transit/", "transit_1234abcd", "transit", Map.of(), storage, clock));

    /** A request whose body is given as the exact JSON a client sends (parsed with the server's strict mapper). */
    Response call(Operation op, String path, String json) {
        Request r = Request.builder(op, "transit/" + path).data(json == null ? Map.of() : Json.parseObject(json.getBytes(StandardCharsets.UTF_8))).build();
        r.setMount("transit/", "transit", "transit_1234abcd", path);
        return engine.handle(r);
    }

    Response write(String path, String json) {
        return call(Operation.UPDATE, path, json);
    }

    Response read(String path) {
        return call(Operation.READ, path, null);
    }

    /** The response data as a client sees it: rendered to JSON and parsed back. */
    static Map<String, Object> wire(Response r) {
        assertThat(r.data()).as("response data").isNotNull();
        return Json.parseObject(Json.write(r.data()));
    }

    Map<String, Object> writeData(String path, String json) {
        return wire(write(path, json));
    }

    KeyhavenException error(Operation op, String path, String json) {
        KeyhavenException e = catchThrowableOfType(() -> call(op, path, json), KeyhavenException.class);
        assertThat(e).as("expected an error for " + op + " " + path).isNotNull();
        return e;
    }

    KeyhavenException writeError(String path, String json) {
        return error(Operation.UPDATE, path, json);
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    static byte[] unb64(Object s) {
        return Base64.getDecoder().decode((String) s);
    }

}
