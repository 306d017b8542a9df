package dev.keyhaven.client.vault;

import dev.keyhaven.client.SourceException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * JWT login: {@code POST /v1/auth/<mount>/login} with {@code {"role","jwt"}} (Vault's JWT/OIDC method; the
 * Kubernetes method takes the same body at {@code auth/kubernetes}). The JWT is read from a file at every
 * login because projected service-account tokens are rotated on disk.
 */
public final class JwtLogin implements VaultAuth {

    /** Where Kubernetes mounts a pod's service-account token. */
    public static final Path KUBERNETES_SA_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private final String mount;
    private final String role;
    private final Path jwtFile;

    private JwtLogin(String mount, String role, Path jwtFile) {
        this.mount = LoginSupport.checkMount(mount);
        this.role = Objects.requireNonNull(role, "role");
        this.jwtFile = Objects.requireNonNull(jwtFile, "jwtFile");
    }

    /** Login at {@code auth/jwt} as {@code role} with the JWT in {@code jwtFile}. */
    public static JwtLogin of(String role, Path jwtFile) {
        return new JwtLogin("jwt", role, jwtFile);
    }

    /** Login at {@code auth/kubernetes} as {@code role} with the pod's service-account token. */
    public static JwtLogin kubernetes(String role) {
        return new JwtLogin("kubernetes", role, KUBERNETES_SA_TOKEN);
    }

    /** The same login at another mount path. */
    public JwtLogin atMount(String mountPath) {
        return new JwtLogin(mountPath, role, jwtFile);
    }

    @Override
    public VaultLogin authenticate(VaultHttp http) {
        String jwt;
        try {
            jwt = Files.readString(jwtFile, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new SourceException(http.source(), "cannot read the JWT for jwt login at auth/" + mount + " from "
                    + jwtFile + " (" + e.getClass().getSimpleName() + ")");
        }
        if (jwt.isEmpty()) {
            throw new SourceException(http.source(), "the JWT file " + jwtFile + " is empty");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (!role.isBlank()) {
            body.put("role", role);
        }
        body.put("jwt", jwt);
        return LoginSupport.login(http, mount, body, "jwt");
    }

    @Override
    public boolean canLogInAgain() {
        return true;
    }

    @Override
    public String describe() {
        return "jwt login at auth/" + mount + " as role " + role;
    }

    @Override
    public String toString() {
        return "JwtLogin[auth/" + mount + ", role=" + role + ", file=" + jwtFile + "]";
    }
}
