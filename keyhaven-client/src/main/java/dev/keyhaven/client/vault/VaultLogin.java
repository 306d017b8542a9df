package dev.keyhaven.client.vault;

import dev.keyhaven.client.Secret;

import java.util.Objects;

/**
 * A token and what the server said about its lifetime.
 *
 * @param token        the client token (redacted {@code toString()})
 * @param renewable    whether {@code auth/token/renew-self} may extend it
 * @param leaseSeconds its TTL in seconds; 0 means it does not expire (root) or the server did not say
 */
public record VaultLogin(Secret token, boolean renewable, long leaseSeconds) {
    public VaultLogin {
        Objects.requireNonNull(token, "token");
    }
}
