package dev.keyhaven.client.dotenv;

import dev.keyhaven.client.Secret;

/**
 * One {@code KEY=value} assignment.
 *
 * @param key   the variable name
 * @param value the value after unquoting, unescaping and expansion (redacted {@code toString()})
 * @param line  1-based line where the assignment starts
 */
public record DotenvEntry(String key, Secret value, int line) {
}
