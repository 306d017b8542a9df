package dev.keyhaven.client.logback;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.keyhaven.client.redact.Redactor;

/**
 * A drop-in for {@code %msg} / {@code %m} / {@code %message} that masks the formatted message (arguments
 * included) with {@link Redactor#global()}. Override the built-in words so existing patterns keep working:
 * <pre>{@code
 * <conversionRule conversionWord="msg" converterClass="dev.keyhaven.client.logback.RedactingMessageConverter"/>
 * <conversionRule conversionWord="ex"  converterClass="dev.keyhaven.client.logback.RedactingThrowableConverter"/>
 * }</pre>
 */
public final class RedactingMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return Redactor.global().redact(super.convert(event));
    }
}
