package dev.keyhaven.client.redact;

import java.util.Objects;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * A {@link java.util.logging.Filter} that rewrites each record before any handler formats it: the message is
 * formatted with its parameters and masked, the parameters are dropped, and the exception is replaced by a
 * {@link RedactedThrowable} copy with masked messages. Useful where the formatter cannot be replaced (a
 * third-party handler writing JSON). It never rejects a record unless the wrapped filter does.
 */
public final class RedactingJulFilter implements Filter {

    private static final SimpleFormatter MESSAGE_FORMATTER = new SimpleFormatter();

    private final Redactor redactor;
    private final Filter next;

    /** Uses the global redactor (usable from {@code logging.properties}). */
    public RedactingJulFilter() {
        this(Redactor.global(), null);
    }

    /** @param next an existing filter to consult after redaction, or {@code null} */
    public RedactingJulFilter(Redactor redactor, Filter next) {
        this.redactor = Objects.requireNonNull(redactor, "redactor");
        this.next = next;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = MESSAGE_FORMATTER.formatMessage(record);
        record.setMessage(redactor.redact(message));
        record.setParameters(null);
        record.setResourceBundle(null);
        record.setResourceBundleName(null);
        record.setThrown(redactor.redact(record.getThrown()));
        return next == null || next.isLoggable(record);
    }
}
