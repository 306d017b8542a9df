package dev.keyhaven.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Starts real servers in-process on an ephemeral loopback port. */
final class TestServers {
    private TestServers() {}

    /** A dev server (KV v2 at secret/) with an extra KV v1 mount at kv/ (kept across restarts of the same data dir). */
    static KeyhavenServer dev(Path dataDir, String rootToken) {
        KeyhavenServer s = KeyhavenServer.start(new ServerOptions(true, Optional.empty(), Optional.of(rootToken), Optional.of("127.0.0.1:0"), Optional.of(dataDir)),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
        if (s.core().router().find("kv/").isEmpty()) s.core().mount("kv/", "kv", "kv v1 for tests", java.util.Map.of());
        return s;
    }

    /** A server from config text; {@code %DIR%} is replaced by {@code dir}. */
    static KeyhavenServer withConfig(Path dir, String hcl) {
        Path cfg = writeConfig(dir, hcl);
        return KeyhavenServer.start(new ServerOptions(false, Optional.of(cfg), Optional.empty(), Optional.empty(), Optional.empty()),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), l -> {});
    }

    static Path writeConfig(Path dir, String hcl) {
        try {
            Path cfg = dir.resolve("config.hcl");
            Files.writeString(cfg, hcl.replace("%DIR%", dir.toString()));
            return cfg;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static String plainConfig() {
        return "storage \"sqlite\" {\n  path = \"%DIR%/data/keyhaven.db\"\n}\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n";
    }
}
