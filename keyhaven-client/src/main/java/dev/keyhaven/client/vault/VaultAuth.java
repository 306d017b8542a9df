package dev.keyhaven.client.vault;

/**
 * How a {@link VaultKvSource} gets its token: a fixed token ({@link StaticToken}), or a login that can be
 * repeated when the token expires ({@link AppRoleLogin}, {@link JwtLogin}).
 */
public sealed interface VaultAuth permits StaticToken, AppRoleLogin, JwtLogin {

    /** Obtains a token. Failures are SDK exceptions naming the auth mount, never a credential. */
    VaultLogin authenticate(VaultHttp http);

    /** True when {@link #authenticate} can be called again to get a fresh token (a login method). */
    boolean canLogInAgain();

    /** Short description for messages, e.g. {@code "approle login at auth/approle"}. */
    String describe();
}
