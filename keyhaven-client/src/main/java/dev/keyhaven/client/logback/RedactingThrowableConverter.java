package dev.keyhaven.client.logback;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.keyhaven.client.redact.Redactor;

/**
 * A drop-in for {@code %ex} / {@code %exception} / {@code %throwable} that masks exception messages (causes
 * and suppressed included) with {@link Redactor#global()}. Logback appends {@code %ex} to patterns that lack
 * one, so also override {@code ex} (see {@link RedactingMessageConverter}).
 */
public final class RedactingThrowableConverter extends ThrowableProxyConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return Redactor.global().redact(super.convert(event));
    }
}
