package dev.keyhaven.client.vault;

import dev.keyhaven.client.Secret;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * AppRole login: {@code POST /v1/auth/<mount>/login} with {@code {"role_id","secret_id"}}, token from
 * {@code auth.client_token} (Vault's wire format; mount defaults to {@code approle}). The login is repeated
 * when the token can no longer be renewed.
 */
public final class AppRoleLogin implements VaultAuth {

    private final String mount;
    private final String roleId;
    private final Secret secretId;

    private AppRoleLogin(String mount, String roleId, Secret secretId) {
        this.mount = LoginSupport.checkMount(mount);
        this.roleId = Objects.requireNonNull(roleId, "roleId");
        this.secretId = secretId;
        if (roleId.isBlank()) {
            throw new IllegalArgumentException("AppRole role_id is empty");
        }
    }

    /** Login at {@code auth/approle} with a role id and secret id. */
    public static AppRoleLogin of(String roleId, Secret secretId) {
        return new AppRoleLogin("approle", roleId, Objects.requireNonNull(secretId, "secretId"));
    }

    /** Login with a role id only (a role with {@code bind_secret_id=false}). */
    public static AppRoleLogin withoutSecretId(String roleId) {
        return new AppRoleLogin("approle", roleId, null);
    }

    /** The same login at another mount path, e.g. {@code "approle-prod"}. */
    public AppRoleLogin atMount(String mountPath) {
        return new AppRoleLogin(mountPath, roleId, secretId);
    }

    @Override
    public VaultLogin authenticate(VaultHttp http) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role_id", roleId);
        if (secretId != null) {
            body.put("secret_id", secretId.reveal());
        }
        return LoginSupport.login(http, mount, body, "approle");
    }

    @Override
    public boolean canLogInAgain() {
        return true;
    }

    @Override
    public String describe() {
        return "approle login at auth/" + mount;
    }

    @Override
    public String toString() {
        return "AppRoleLogin[auth/" + mount + "]";
    }
}
