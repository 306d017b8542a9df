package dev.keyhaven.core.alerts;

import dev.keyhaven.core.auth.Durations;
import dev.keyhaven.core.auth.token.TokenEntry;
import dev.keyhaven.core.engine.Engine;
import dev.keyhaven.core.logical.KeyhavenException;
import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import dev.keyhaven.core.logical.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code sys/alerts}:
 * <ul>
 *   <li>{@code LIST sys/alerts} (or {@code GET sys/alerts}): {@code {"keys": [ids oldest first], "key_info": {id:
 *       {rule, severity, time, subject, acknowledged}}}}; query {@code since} (a duration, e.g. {@code 1h}: raised at most
 *       that long ago) and {@code unacknowledged=true}. Nothing to list is Vault's 404 with {@code {"errors":[]}}.</li>
 *   <li>{@code GET sys/alerts/<id>}: the alert record.</li>
 *   <li>{@code POST sys/alerts/ack/<id>}: marks it acknowledged (by the caller's token display name) and returns it;
 *       acknowledging twice keeps the first acknowledgement.</li>
 * </ul>
 * Register with {@code system.register("alerts", endpoint)}; normal ACL rules apply ({@code list}/{@code read} on
 * {@code sys/alerts*}, {@code update} on {@code sys/alerts/ack/*}).
 */
public final class AlertsEndpoint implements Engine {
    public static final String PREFIX = "alerts";
    private final AlertStore store;
    private final Clock clock;

    public AlertsEndpoint(AlertStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Response handle(Request req) {
        String rel = req.relativePath();
        while (rel.endsWith("/")) rel = rel.substring(0, rel.length() - 1);
        if (rel.equals(PREFIX)) {
            if (req.operation() != Operation.LIST && req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), rel);
            return list(req);
        }
        if (rel.startsWith(PREFIX + "/ack/")) {
            if (req.operation() != Operation.UPDATE && req.operation() != Operation.CREATE) throw KeyhavenException.unsupported(req.operation(), rel);
            return ack(req, rel.substring((PREFIX + "/ack/").length()));
        }
        if (rel.startsWith(PREFIX + "/")) {
            if (req.operation() != Operation.READ) throw KeyhavenException.unsupported(req.operation(), rel);
            String id = rel.substring(PREFIX.length() + 1);
            return Response.of(find(id).toMap());
        }
        throw KeyhavenException.notFound();
    }

    private Alert find(String id) {
        if (!AlertStore.ID.matcher(id).matches()) {
            throw KeyhavenException.badRequest("invalid alert id: expected the form 20300101T000000.000Z-1a2b3c4d");
        }
        return store.get(id).orElseThrow(KeyhavenException::notFound);
    }

    private Response list(Request req) {
        Optional<String> sinceParam = param(req, "since");
        Instant since = Instant.EPOCH;
        if (sinceParam.isPresent() && !sinceParam.get().isBlank()) {
            Duration d = Durations.parse("since", sinceParam.get().strip());
            if (d.isNegative()) throw KeyhavenException.badRequest("invalid duration for 'since': must not be negative");
            since = clock.instant().minus(d);
        }
        boolean unackedOnly = param(req, "unacknowledged").map(v -> {
            switch (v.strip().toLowerCase(Locale.ROOT)) {
                case "": case "1": case "t": case "true": return true;
                case "0": case "f": case "false": return false;
                default: throw KeyhavenException.badRequest("invalid value for 'unacknowledged': must be a boolean");
            }
        }).orElse(false);
        List<String> keys = new ArrayList<>();
        Map<String, Object> info = new LinkedHashMap<>();
        for (Alert a : store.since(since)) {
            if (unackedOnly && a.acknowledged()) continue;
            keys.add(a.id());
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("rule", a.rule());
            i.put("severity", a.severity());
            i.put("time", a.time().toString());
            i.put("subject", a.subject());
            i.put("acknowledged", a.acknowledged());
            info.put(a.id(), i);
        }
        if (keys.isEmpty()) throw KeyhavenException.notFound();
        return Response.of(Response.map("keys", keys, "key_info", info));
    }

    private static Optional<String> param(Request req, String name) {
        Optional<String> q = req.queryParam(name);
        if (q.isPresent()) return q;
        Object v = req.data().get(name);
        return v == null ? Optional.empty() : Optional.of(v.toString());
    }

    private Response ack(Request req, String id) {
        String by = req.auth(TokenEntry.class).map(TokenEntry::displayName).filter(s -> !s.isEmpty()).orElse("unknown");
        for (int attempt = 0; attempt < 16; attempt++) {
            Alert cur = find(id);
            if (cur.acknowledged()) return Response.of(cur.toMap());
            Alert acked = cur.acknowledge(clock.instant(), by);
            if (store.replace(cur, acked)) return Response.of(acked.toMap());
        }
        throw new KeyhavenException(dev.keyhaven.core.logical.ErrorCode.UNAVAILABLE, "alert is being changed concurrently; retry");
    }
}
