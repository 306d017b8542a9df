package dev.keyhaven.core.alerts;

import dev.keyhaven.core.storage.Storage;
import dev.keyhaven.core.util.Json;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Alert records in (barrier-encrypted) storage at {@code alerts/<id>}. Ids are time-ordered
 * ({@code yyyyMMdd'T'HHmmss.SSS'Z'-<8 hex>}), so a listing is chronological and "since" is a key comparison. At most
 * {@code maxAlerts} are kept; the oldest are dropped first.
 */
public final class AlertStore {
    static final String PREFIX = "alerts/";
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    public static final Pattern ID = Pattern.compile("\\d{8}T\\d{6}\\.\\d{3}Z-[0-9a-f]{8}");

    private final Storage storage;
    private final int maxAlerts;
    private final SecureRandom random = new SecureRandom();

    public AlertStore(Storage storage, int maxAlerts) {
        if (maxAlerts < 1) throw new IllegalArgumentException("maxAlerts must be positive");
        this.storage = storage;
        this.maxAlerts = maxAlerts;
    }

    /** A new id for an alert raised at {@code at}. */
    public String newId(Instant at) {
        byte[] r = new byte[4];
        random.nextBytes(r);
        return ID_TIME.format(at) + "-" + HexFormat.of().formatHex(r);
    }

    /** The smallest id of anything raised at or after {@code at}. */
    static String idFloor(Instant at) {
        return ID_TIME.format(at) + "-00000000";
    }

    public void put(Alert alert) {
        storage.put(PREFIX + alert.id(), Json.write(alert.toMap()));
        List<String> ids = ids();
        for (int i = 0; i < ids.size() - maxAlerts; i++) storage.delete(PREFIX + ids.get(i));
    }

    public Optional<Alert> get(String id) {
        if (!ID.matcher(id).matches()) return Optional.empty();
        return storage.get(PREFIX + id).map(b -> Alert.fromMap(Json.parseObject(b)));
    }

    /** Replaces a stored alert only if it is unchanged since {@code before} was read. */
    public boolean replace(Alert before, Alert after) {
        Optional<byte[]> cur = storage.get(PREFIX + before.id());
        if (cur.isEmpty() || !Alert.fromMap(Json.parseObject(cur.get())).equals(before)) return false;
        return storage.compareAndSet(PREFIX + before.id(), cur.get(), Json.write(after.toMap()));
    }

    /** Ids in chronological order. */
    public List<String> ids() {
        List<String> out = new ArrayList<>();
        for (String k : storage.list(PREFIX)) if (ID.matcher(k).matches()) out.add(k);
        return out;
    }

    /** Alerts raised at or after {@code since}, oldest first. */
    public List<Alert> since(Instant since) {
        String floor = idFloor(since);
        List<Alert> out = new ArrayList<>();
        for (String id : ids()) {
            if (id.compareTo(floor) < 0) continue;
            get(id).ifPresent(out::add);
        }
        return out;
    }
}
