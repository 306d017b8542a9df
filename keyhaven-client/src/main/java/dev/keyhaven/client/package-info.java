/**
 * Keyhaven's Java SDK. Start at {@link dev.keyhaven.client.SecretsManager}; values are
 * {@link dev.keyhaven.client.Secret}s (redacted {@code toString()}, explicit {@code reveal()}); every failure is a
 * {@link dev.keyhaven.client.SecretsException} whose message never holds a value or a token.
 *
 * <p>Packages: {@code spi} (the {@code SecretSource} interface other stores implement), {@code sources}
 * (environment, dotenv, mounted files), {@code vault} (Keyhaven / Vault KV v2, token, AppRole and JWT login),
 * {@code dotenv} (the parser), {@code redact} (the redactor and java.util.logging integration), {@code logback}
 * (optional; the only package that needs Logback).
 */
package dev.keyhaven.client;
