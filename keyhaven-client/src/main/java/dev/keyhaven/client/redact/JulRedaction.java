package dev.keyhaven.client.redact;

import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** Installs redaction on java.util.logging in one call. */
public final class JulRedaction {

    private JulRedaction() {
    }

    /** Installs redaction with the global redactor on every handler of the root logger. */
    public static void install() {
        install(LogManager.getLogManager().getLogger(""), Redactor.global());
    }

    /**
     * On every handler of {@code logger}: wraps its formatter in a {@link RedactingJulFormatter} and its filter
     * in a {@link RedactingJulFilter}. Idempotent. Handlers added later are not covered: call it again.
     */
    public static void install(Logger logger, Redactor redactor) {
        for (Handler h : logger.getHandlers()) {
            if (!(h.getFormatter() instanceof RedactingJulFormatter)) {
                h.setFormatter(new RedactingJulFormatter(
                        h.getFormatter() == null ? new java.util.logging.SimpleFormatter() : h.getFormatter(), redactor));
            }
            if (!(h.getFilter() instanceof RedactingJulFilter)) {
                h.setFilter(new RedactingJulFilter(redactor, h.getFilter()));
            }
        }
    }
}
