package dev.keyhaven.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options every command that talks to a server shares, named like the vault CLI's ({@code -address},
 * {@code -format}); environment fallbacks {@code KEYHAVEN_ADDR}/{@code VAULT_ADDR},
 * {@code KEYHAVEN_TOKEN}/{@code VAULT_TOKEN} (then {@code ~/.vault-token}), {@code KEYHAVEN_CACERT}/{@code VAULT_CACERT}.
 */
public final class ClientOptions {
    static final String DEFAULT_ADDRESS = "http://127.0.0.1:8200";

    @Option(names = {"-address", "--address"}, paramLabel = "URL",
            description = "Server address (default: $KEYHAVEN_ADDR, $VAULT_ADDR, else " + DEFAULT_ADDRESS + ").")
    String address;

    @Option(names = {"-ca-cert", "--ca-cert"}, paramLabel = "FILE", description = "PEM CA certificate to trust for TLS (default: $KEYHAVEN_CACERT, $VAULT_CACERT).")
    Path caCert;

    @Option(names = {"-format", "--format"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: table or json (default: ${DEFAULT-VALUE}).")
    Output.Format format;

    /** Environment lookup, replaceable in tests. */
    static Map<String, String> env = System.getenv();

    ApiClient client() {
        return new ApiClient(resolveAddress(), resolveToken(), resolveCaCert());
    }

    String resolveAddress() {
        if (address != null && !address.isBlank()) return address;
        String a = first(env.get("KEYHAVEN_ADDR"), env.get("VAULT_ADDR"));
        return a == null ? DEFAULT_ADDRESS : a;
    }

    Path resolveCaCert() {
        if (caCert != null) return caCert;
        String c = first(env.get("KEYHAVEN_CACERT"), env.get("VAULT_CACERT"));
        return c == null ? null : Path.of(c);
    }

    static String resolveToken() {
        String t = first(env.get("KEYHAVEN_TOKEN"), env.get("VAULT_TOKEN"));
        if (t != null) return t;
        String home = System.getProperty("user.home");
        if (home != null) {
            Path f = Path.of(home, ".vault-token");
            if (Files.isReadable(f)) {
                try {
                    String s = Files.readString(f, StandardCharsets.UTF_8).strip();
                    if (!s.isEmpty()) return s;
                } catch (IOException e) {
                    // unreadable: no token
                }
            }
        }
        return null;
    }

    Output output(picocli.CommandLine.Model.CommandSpec spec) {
        return new Output(spec.commandLine().getOut(), format);
    }

    private static String first(String a, String b) {
        if (a != null && !a.isBlank()) return a;
        if (b != null && !b.isBlank()) return b;
        return null;
    }
}
