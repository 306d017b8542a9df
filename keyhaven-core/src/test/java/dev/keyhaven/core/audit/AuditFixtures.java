package dev.keyhaven.core.audit;

import dev.keyhaven.core.logical.Operation;
import dev.keyhaven.core.logical.Request;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Test helpers: requests, auth facts and canary values generated at test time (never credential literals). */
final class AuditFixtures {
    private static final SecureRandom RND = new SecureRandom();

    private AuditFixtures() {}

    /** A random value that cannot appear in a log by accident. */
    static String canary(String kind) {
        byte[] b = new byte[12];
        RND.nextBytes(b);
        return "canary-" + kind + "-" + HexFormat.of().formatHex(b);
    }

    static Request request(Operation op, String path, Map<String, Object> data, String token) {
        Request r = Request.builder(op, path).data(data).clientToken(token).remoteAddress("10.1.2.3:45678").build();
        int slash = path.indexOf('/');
        if (slash > 0) r.setMount(path.substring(0, slash + 1), "kv", "kv_1234abcd", path.substring(slash + 1));
        return r;
    }

    static AuditAuth auth(String token, String accessor) {
        return new AuditAuth(token, accessor, "token-app", List.of("default", "app"), Map.of("team", "payments"), "ent-1", "service");
    }
}
