package dev.keyhaven.core.audit;

import java.util.HashMap;
import java.util.Map;

/**
 * One value per device format (what an event's blocks or an entry's body look like under given options): nearly
 * always a single format, kept in fields; further ones (devices enabled with other options) in a small map.
 * Not thread-safe: the owner synchronizes.
 */
final class PerFormat<T> {
    private FormatOptions first;
    private T value;
    private Map<FormatOptions, T> more;

    /** The value for {@code o}, or null. */
    T get(FormatOptions o) {
        if (o.equals(first)) return value;
        return more == null ? null : more.get(o);
    }

    /** Records the value for {@code o} unless one is recorded; returns the recorded one. */
    T putIfAbsent(FormatOptions o, T v) {
        T had = get(o);
        if (had != null) return had;
        if (first == null) {
            first = o;
            value = v;
        } else {
            if (more == null) more = new HashMap<>(2);
            more.put(o, v);
        }
        return v;
    }
}
