package dev.keyhaven.client.redact;

import java.util.Objects;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * A {@link java.util.logging.Formatter} that formats with a delegate and masks the whole result (message,
 * parameters, exception and stack trace text alike) with a {@link Redactor}. The simplest complete
 * protection for JUL: put it on every handler ({@link JulRedaction#install()} does).
 */
public final class RedactingJulFormatter extends Formatter {

    private final Formatter delegate;
    private final Redactor redactor;

    /** Wraps a {@link SimpleFormatter} with the global redactor (usable from {@code logging.properties}). */
    public RedactingJulFormatter() {
        this(new SimpleFormatter(), Redactor.global());
    }

    public RedactingJulFormatter(Formatter delegate, Redactor redactor) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.redactor = Objects.requireNonNull(redactor, "redactor");
    }

    /** The wrapped formatter. */
    public Formatter delegate() {
        return delegate;
    }

    @Override
    public String format(LogRecord record) {
        return redactor.redact(delegate.format(record));
    }

    @Override
    public String getHead(java.util.logging.Handler h) {
        return delegate.getHead(h);
    }

    @Override
    public String getTail(java.util.logging.Handler h) {
        return delegate.getTail(h);
    }
}
