/**
 * Logback integration. Only this package needs Logback on the class path; the rest of the SDK never loads
 * it. Pick one of: {@link dev.keyhaven.client.logback.RedactingPatternLayoutEncoder} (masks whole lines),
 * the {@code %redact(...)} composite {@link dev.keyhaven.client.logback.RedactingConverter}, or the
 * {@code %msg}/{@code %ex} overrides {@link dev.keyhaven.client.logback.RedactingMessageConverter} and
 * {@link dev.keyhaven.client.logback.RedactingThrowableConverter} (these two do not cover {@code %X} MDC).
 *
 * <p>A Logback {@code TurboFilter} cannot rewrite an event (it only accepts or denies), so masking lives in
 * the encoder and converters, which see the final text.
 */
package dev.keyhaven.client.logback;
