package dev.keyhaven.core.auth.login;

import dev.keyhaven.core.auth.token.TokenEntry;

/**
 * An auth method whose login tokens are renewed under their role as it is now, like Vault's {@code pathLoginRenew} of
 * the JWT and AppRole methods: the role is read again on every renewal (a deleted role refuses it with 400
 * {@code role … does not exist during renewal}), and the renewal takes its {@code token_ttl}, {@code token_max_ttl}
 * and {@code token_period} from it, so shortening a role's TTLs also shortens what tokens already issued can renew to.
 */
public interface LoginRenewal {
    /** The token settings of the role that issued {@code token}, as stored now; 400 if that role no longer exists. */
    TokenParams renewal(TokenEntry token);
}
