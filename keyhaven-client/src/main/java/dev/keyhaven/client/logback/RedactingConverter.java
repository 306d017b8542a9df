package dev.keyhaven.client.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.pattern.CompositeConverter;
import dev.keyhaven.client.redact.Redactor;

/**
 * A composite conversion word that masks whatever its sub-pattern renders, using {@link Redactor#global()}.
 * Register it and wrap the whole pattern, so message, arguments, MDC and exception are all covered:
 * <pre>{@code
 * <conversionRule conversionWord="redact" converterClass="dev.keyhaven.client.logback.RedactingConverter"/>
 * <pattern>%d %-5level %logger - %redact(%msg %X%n%ex)</pattern>
 * }</pre>
 */
public final class RedactingConverter extends CompositeConverter<ILoggingEvent> {

    @Override
    protected String transform(ILoggingEvent event, String in) {
        return Redactor.global().redact(in);
    }
}
