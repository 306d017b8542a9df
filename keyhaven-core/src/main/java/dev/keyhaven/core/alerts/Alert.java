package dev.keyhaven.core.alerts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One alert record, as stored at {@code alerts/<id>} and shown by {@code sys/alerts/<id>}. Holds no secret data:
 * {@code subject} names what the alert is about with a truncated token accessor, a client address or a bounded
 * path prefix, never a token or a secret value.
 *
 * @param id             time-ordered id ({@code 20300101T000000.000Z-1a2b3c4d}), sorts by creation time
 * @param rule           {@link AlertRule#id()}
 * @param severity       {@code critical}, {@code high} or {@code medium}
 * @param time           when it was raised
 * @param subject        what it is about (e.g. {@code source 192.0.2.7}, {@code token accessor Ab12Cd34…})
 * @param source         the client address of the triggering request, "" if unknown
 * @param message        one human sentence
 * @param details        numbers behind the decision (counts, window, baseline ...)
 * @param acknowledgedAt when someone acknowledged it, if so
 * @param acknowledgedBy who acknowledged it (display name of the token), "" if not acknowledged
 */
public record Alert(String id, String rule, String severity, Instant time, String subject, String source, String message,
                    Map<String, Object> details, Optional<Instant> acknowledgedAt, String acknowledgedBy) {
    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(time, "time");
        details = Map.copyOf(details);
        acknowledgedBy = acknowledgedBy == null ? "" : acknowledgedBy;
        source = source == null ? "" : source;
    }

    public boolean acknowledged() {
        return acknowledgedAt.isPresent();
    }

    public Alert acknowledge(Instant at, String by) {
        return new Alert(id, rule, severity, time, subject, source, message, details, Optional.of(at), by);
    }

    /** The API and storage shape. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("rule", rule);
        m.put("severity", severity);
        m.put("time", time.toString());
        m.put("subject", subject);
        m.put("source", source);
        m.put("message", message);
        m.put("details", new LinkedHashMap<>(details));
        m.put("acknowledged", acknowledged());
        m.put("acknowledged_at", acknowledgedAt.map(Instant::toString).orElse(null));
        m.put("acknowledged_by", acknowledgedBy);
        return m;
    }

    @SuppressWarnings("unchecked")
    public static Alert fromMap(Map<String, Object> m) {
        Object ack = m.get("acknowledged_at");
        Object d = m.get("details");
        return new Alert(str(m, "id"), str(m, "rule"), str(m, "severity"), Instant.parse(str(m, "time")), str(m, "subject"), str(m, "source"),
                str(m, "message"), d instanceof Map<?, ?> dm ? (Map<String, Object>) dm : Map.of(),
                ack == null ? Optional.empty() : Optional.of(Instant.parse(ack.toString())), str(m, "acknowledged_by"));
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? "" : v.toString();
    }
}
