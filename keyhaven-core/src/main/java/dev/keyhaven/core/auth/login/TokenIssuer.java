package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.auth.DefaultAuthService;
import java.util.Map;

/**
 * What an auth method needs from the token layer: mint a token for a successful login and return Vault's
 * {@code auth} response block. Production passes {@code authService::issueLoginToken}.
 */
@FunctionalInterface
public interface TokenIssuer {
    Map<String, Object> issue(DefaultAuthService.LoginSpec spec);

    static TokenIssuer of(DefaultAuthService auth) {
        return auth::issueLoginToken;
    }
}
