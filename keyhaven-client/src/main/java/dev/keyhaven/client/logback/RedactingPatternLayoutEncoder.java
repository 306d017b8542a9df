package dev.keyhaven.client.logback;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.keyhaven.client.redact.Redactor;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A {@code PatternLayoutEncoder} that masks the complete rendered line (message, arguments, MDC, markers,
 * exception text) with {@link Redactor#global()}. The most robust choice: no conversion word can slip past.
 * <pre>{@code
 * <encoder class="dev.keyhaven.client.logback.RedactingPatternLayoutEncoder">
 *   <pattern>%d %-5level %logger - %msg %X%n</pattern>
 * </encoder>
 * }</pre>
 */
public final class RedactingPatternLayoutEncoder extends PatternLayoutEncoder {

    @Override
    public byte[] encode(ILoggingEvent event) {
        String line = getLayout().doLayout(event);
        Charset cs = getCharset() == null ? StandardCharsets.UTF_8 : getCharset();
        return Redactor.global().redact(line).getBytes(cs);
    }
}
