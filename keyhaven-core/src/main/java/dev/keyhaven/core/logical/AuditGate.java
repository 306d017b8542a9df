package dev.keyhaven.core.logical;

import java.util.ArrayList;
import java.util.List;

/**
 * Opens once a request's audit entries are in the log, or fails with the 503 {@link KeyhavenException} if no device
 * took them: nothing of the response may leave before. Callbacks added before that run in the thread that opens the
 * gate (an event loop or the audit writer), in the order they were added; callbacks added after run at once, in the
 * adding thread. Each runs exactly once, even if one before it throws (the first exception is rethrown after all ran).
 * A lighter stand-in for a {@code CompletableFuture<Void>}: a read's answer waits on one of these, and it needs neither
 * dependent stages nor exception wrapping.
 */
public final class AuditGate {
    /** Told the outcome: {@code failure} is null once the entries are in the log. Must be quick and must not throw. */
    @FunctionalInterface
    public interface Callback {
        void done(KeyhavenException failure);
    }

    private boolean open;
    private KeyhavenException failure;
    private Callback first; // nearly always one or two callbacks: fields, then a list
    private Callback second;
    private List<Callback> more;

    /** Runs {@code callback} once the gate opens, or now if it is open. */
    public void then(Callback callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        KeyhavenException f;
        synchronized (this) {
            if (!open) {
                if (first == null) first = callback;
                else if (second == null) second = callback;
                else {
                    if (more == null) more = new ArrayList<>(2);
                    more.add(callback);
                }
                return;
            }
            f = failure;
        }
        callback.done(f);
    }

    /** Opens the gate ({@code failure} null: the entries are in the log) and runs the waiting callbacks; only the first call counts. */
    public void complete(KeyhavenException failure) {
        Callback a, b;
        List<Callback> rest;
        synchronized (this) {
            if (open) return;
            open = true;
            this.failure = failure;
            a = first;
            b = second;
            rest = more;
            first = second = null;
            more = null;
        }
        RuntimeException thrown = run(a, failure, null);
        thrown = run(b, failure, thrown);
        if (rest != null) for (Callback c : rest) thrown = run(c, failure, thrown);
        if (thrown != null) throw thrown; // after every callback ran: one failing must not keep an answer from leaving
    }

    private static RuntimeException run(Callback c, KeyhavenException failure, RuntimeException thrown) {
        if (c == null) return thrown;
        try {
            c.done(failure);
        } catch (RuntimeException e) {
            if (thrown == null) return e;
            thrown.addSuppressed(e);
        }
        return thrown;
    }

    /** Whether the gate has opened (with or without failure). */
    public synchronized boolean isDone() {
        return open;
    }
}
