package dev.keyhaven.client.vault;

import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SecretsException;
import dev.keyhaven.client.internal.Json;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Holds the current token: logs in lazily, renews a renewable token at about two thirds of its TTL on a
 * daemon thread, logs in again when renewal stops helping (max TTL reached) or fails, and stops on close.
 */
final class TokenManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TokenManager.class.getName());

    private final VaultHttp http;
    private final VaultAuth auth;
    private final boolean renew;
    private final Object lock = new Object();
    private VaultLogin current;
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> next;
    private long nextDelaySeconds = -1;
    private boolean closed;

    TokenManager(VaultHttp http, VaultAuth auth, boolean renew) {
        this.http = http;
        this.auth = auth;
        this.renew = renew;
    }

    /** The token to use now, logging in first if needed. */
    Secret token() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the " + http.source() + " source is closed");
            }
            if (current == null) {
                loginLocked();
            }
            return current.token();
        }
    }

    /**
     * Called when {@code used} was refused. Returns true when a fresh login was obtained and the request is
     * worth retrying once.
     */
    boolean refreshAfterDenied(Secret used) {
        if (!auth.canLogInAgain()) {
            return false;
        }
        synchronized (lock) {
            if (closed) {
                return false;
            }
            if (current != null && !current.token().equals(used)) {
                return true; // someone else already logged in again
            }
            loginLocked();
            return true;
        }
    }

    private void loginLocked() {
        VaultLogin login = auth.authenticate(http);
        http.redactor().add(login.token());
        current = login;
        schedule(login, login.leaseSeconds());
    }

    private void schedule(VaultLogin login, long leaseSeconds) {
        cancelNext();
        if (!renew || leaseSeconds <= 0) {
            nextDelaySeconds = -1;
            return;
        }
        if (!login.renewable() && !auth.canLogInAgain()) {
            nextDelaySeconds = -1;
            return;
        }
        long delay = Math.max(1, leaseSeconds * 2 / 3);
        nextDelaySeconds = delay;
        if (scheduler == null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "keyhaven-token-renewal[" + http.source() + "]");
                t.setDaemon(true);
                return t;
            });
        }
        next = scheduler.schedule(this::tick, delay, TimeUnit.SECONDS);
    }

    private void cancelNext() {
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    /** Seconds until the scheduled renewal or re-login, or -1 when none is scheduled. */
    long scheduledDelaySeconds() {
        synchronized (lock) {
            return nextDelaySeconds;
        }
    }

    /** The scheduled work, runnable directly (tests call it instead of waiting). */
    void tick() {
        synchronized (lock) {
            if (closed || current == null) {
                return;
            }
            try {
                if (current.renewable()) {
                    renewLocked();
                } else {
                    loginLocked();
                }
            } catch (SecretsException e) {
                LOG.log(Level.WARNING, "keyhaven: renewing the token for {0} failed: {1}",
                        http.source(), http.redactor().redact(e.getMessage()));
                if (auth.canLogInAgain()) {
                    try {
                        loginLocked();
                        return;
                    } catch (SecretsException again) {
                        LOG.log(Level.WARNING, "keyhaven: logging in again for {0} failed: {1}",
                                http.source(), http.redactor().redact(again.getMessage()));
                    }
                }
                long retry = Math.max(1, Math.max(0, current.leaseSeconds()) / 10);
                schedule(new VaultLogin(current.token(), current.renewable(), retry * 3 / 2), retry * 3 / 2);
            }
        }
    }

    private void renewLocked() {
        VaultHttp.Answer a = http.send("POST", "auth/token/renew-self", current.token(), Map.of(),
                "renewing the token (" + auth.describe() + ")");
        Map<String, Object> authBlock = Json.object(a.body(), "auth");
        long lease = Json.number(authBlock, "lease_duration", 0);
        boolean renewable = Json.bool(authBlock, "renewable");
        long before = current.leaseSeconds();
        current = new VaultLogin(current.token(), renewable, lease);
        if (auth.canLogInAgain() && lease < before) {
            // the max TTL is capping renewals: log in again before the token dies instead of renewing
            current = new VaultLogin(current.token(), false, lease);
        }
        LOG.log(Level.DEBUG, "keyhaven: renewed the token for {0}; ttl {1}s", http.source(), lease);
        schedule(current, lease);
    }

    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (lock) {
            closed = true;
            cancelNext();
            s = scheduler;
            current = null;
        }
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** True while the renewal thread exists and has not terminated. */
    boolean renewalThreadRunning() {
        synchronized (lock) {
            return scheduler != null && !scheduler.isTerminated();
        }
    }
}
