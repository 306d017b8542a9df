package dev.keyhaven.core.auth.login;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each login attempt on logger {@code keyhaven.login} as one line of key=value pairs: successes at INFO,
 * failures at WARN. Only the non-secret fields of {@link LoginAttempt} are logged (the credential HMAC, never the
 * credential).
 */
public final class Slf4jLoginEvents implements LoginEvents {
    private static final Logger LOG = LoggerFactory.getLogger("keyhaven.login");

    @Override
    public void onLogin(LoginAttempt a) {
        try {
            String line = "login method=" + a.method() + " mount=" + a.mount() + " role=" + q(a.role()) + " outcome=" + a.outcome()
                    + a.failureClass().map(f -> " failure_class=" + f.label()).orElse("")
                    + (a.error().isEmpty() ? "" : " error=" + q(a.error()))
                    + " remote_address=" + q(a.remoteAddress())
                    + (a.tokenAccessor().isEmpty() ? "" : " accessor=" + a.tokenAccessor())
                    + (a.credentialHmac().isEmpty() ? "" : " credential=" + a.credentialHmac())
                    + claims(a);
            if (a.success()) LOG.info(line);
            else LOG.warn(line);
        } catch (RuntimeException e) {
            LOG.warn("login event could not be logged: {}", e.getClass().getSimpleName());
        }
    }

    private static String claims(LoginAttempt a) {
        StringBuilder sb = new StringBuilder();
        a.claims().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> sb.append(' ').append(e.getKey()).append('=').append(q(e.getValue())));
        return sb.toString();
    }

    private static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int n = Math.min(s.length(), 256);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c == 0x7f) sb.append('?');
            else sb.append(c);
        }
        if (s.length() > n) sb.append('…');
        return sb.append('"').toString();
    }
}
