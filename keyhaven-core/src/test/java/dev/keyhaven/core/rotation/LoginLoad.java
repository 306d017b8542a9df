package dev.keyhaven.core.rotation;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A client under load: a thread that keeps opening new connections with the credential the SDK resolves right now
 * (current(), falling back to previous() if the current one is refused), counting logins per user and every failed
 * login. Waiting for progress polls the counters with a deadline.
 */
final class LoginLoad implements AutoCloseable {
    interface Login {
        void login(SecretData credential) throws Exception;
    }

    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger logins = new AtomicInteger();
    final Map<String, AtomicInteger> perUser = new ConcurrentHashMap<>();
    final AtomicReference<String> firstFailure = new AtomicReference<>("");
    private volatile boolean stop;
    private final Thread thread;

    LoginLoad(Supplier<Optional<SecretData>> current, Supplier<Optional<SecretData>> previous, Login login) {
        thread = new Thread(() -> {
            while (!stop) {
                SecretData cred = current.get().orElseThrow();
                try {
                    login.login(cred);
                    count(cred);
                } catch (Exception first) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet("", first.getClass().getSimpleName() + " as " + cred.get("username").orElse("?"));
                    Optional<SecretData> prev = previous.get();
                    if (prev.isPresent()) {
                        try {
                            login.login(prev.get());
                            count(prev.get());
                        } catch (Exception second) {
                            failures.incrementAndGet();
                        }
                    }
                }
            }
        }, "login-load");
        thread.setDaemon(true);
        thread.start();
    }

    private void count(SecretData cred) {
        logins.incrementAndGet();
        perUser.computeIfAbsent(cred.get("username").orElse(""), k -> new AtomicInteger()).incrementAndGet();
    }

    int loginsAs(String user) {
        AtomicInteger n = perUser.get(user);
        return n == null ? 0 : n.get();
    }

    /** Waits until {@code n} more logins than now happened (as {@code user}, or anyone if empty). */
    void awaitMoreLogins(String user, int n) {
        int start = user.isEmpty() ? logins.get() : loginsAs(user);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while ((user.isEmpty() ? logins.get() : loginsAs(user)) < start + n) {
            if (!thread.isAlive()) throw new IllegalStateException("load thread died");
            if (Instant.now().isAfter(deadline)) throw new AssertionError("no progress of the login load within 120s");
            Thread.onSpinWait();
            try {
                Thread.sleep(5); // polling a counter with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(60_000);
    }
}
