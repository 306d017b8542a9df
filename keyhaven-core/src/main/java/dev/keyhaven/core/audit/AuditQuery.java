package dev.keyhaven.core.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A filter over audit entries: who read what, when, from where.
 *
 * @param pathGlob  request path glob; {@code *} matches any characters ({@code secret/data/app/*})
 * @param since     entries at or after
 * @param until     entries before
 * @param accessor  token accessor, raw (matched against its HMAC too) or as logged
 * @param operation {@code read}, {@code update}, {@code create}, {@code delete}, {@code list}, {@code patch}
 * @param type      {@code response} (default: one row per completed call, with its error), {@code request} or {@code all}
 * @param limit     at most this many rows, the most recent ones (1..10000)
 */
public record AuditQuery(Optional<String> pathGlob, Optional<Instant> since, Optional<Instant> until, Optional<String> accessor,
                         Optional<String> operation, String type, int limit) {
    public AuditQuery {
        if (!type.equals("response") && !type.equals("request") && !type.equals("all")) {
            throw new IllegalArgumentException("type must be request, response or all");
        }
        if (limit < 1 || limit > 10_000) throw new IllegalArgumentException("limit must be between 1 and 10000");
        operation = operation.map(o -> o.toLowerCase(Locale.ROOT));
    }

    Pattern pathPattern() {
        if (pathGlob.isEmpty()) return null;
        StringBuilder re = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (char c : pathGlob.get().toCharArray()) {
            if (c == '*') {
                if (lit.length() > 0) re.append(Pattern.quote(lit.toString()));
                lit.setLength(0);
                re.append(".*");
            } else {
                lit.append(c);
            }
        }
        if (lit.length() > 0) re.append(Pattern.quote(lit.toString()));
        return Pattern.compile(re.toString());
    }

    /** The row for a matching entry, or null. */
    @SuppressWarnings("unchecked")
    Map<String, Object> match(AuditVerifier.Parsed p, Pattern path, String hashedAccessor) {
        String t = p.type();
        if (!t.equals("request") && !t.equals("response")) return null;
        if (!type.equals("all") && !type.equals(t)) return null;
        Instant time = AuditTimes.entryTime(p);
        if (since.isPresent() && (time == null || time.isBefore(since.get()))) return null;
        if (until.isPresent() && (time == null || !time.isBefore(until.get()))) return null;
        Map<String, Object> req = p.json().get("request") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> auth = p.json().get("auth") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        String reqPath = str(req.get("path"));
        if (path != null && !path.matcher(reqPath).matches()) return null;
        String op = str(req.get("operation"));
        if (operation.isPresent() && !operation.get().equals(op)) return null;
        String acc = str(auth.get("accessor"));
        if (acc.isEmpty()) acc = str(req.get("client_token_accessor"));
        if (accessor.isPresent() && !acc.equals(accessor.get()) && !acc.equals(hashedAccessor)) return null;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("seq", p.seq());
        row.put("time", p.time());
        row.put("type", t);
        row.put("operation", op);
        row.put("path", reqPath);
        row.put("display_name", str(auth.get("display_name")));
        row.put("accessor", acc);
        row.put("remote_address", str(req.get("remote_address")));
        row.put("mount_type", str(req.get("mount_type")));
        row.put("request_id", str(req.get("id")));
        row.put("error", str(p.json().get("error")));
        return row;
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }
}
