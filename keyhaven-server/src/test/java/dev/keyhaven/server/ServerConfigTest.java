package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
    static final String STORAGE = "storage \"sqlite\" {\n  path = \"/data/k.db\"\n}\n";

    static ServerConfig parse(String text) {
        return ServerConfig.parse("server.hcl", text, Path.of("/etc/keyhaven"));
    }

    static void rejects(String text, String message) {
        assertThatThrownBy(() -> parse(text)).isInstanceOf(ServerConfig.ConfigException.class).hasMessage(message);
    }

    @Test
    void fullConfigIsRead() {
        ServerConfig c = parse(STORAGE + """
                listener "tcp" {
                  address = "0.0.0.0:8443"
                  tls_cert_file = "tls/cert.pem"
                  tls_key_file = "/etc/keyhaven/tls/key.pem"
                  tls_min_version = "tls13"
                  max_request_size = 1048576
                  http_read_timeout = "10s"
                  http_idle_timeout = "2m"
                }
                seal "file" { path = "unseal.key" }
                api_addr = "https://keyhaven.example.com:8443"
                cluster_name = "prod"
                log_level = "WARN"
                ui = true
                disable_mlock = true
                default_max_request_size = 4096
                """);
        assertThat(c.storage().path()).isEqualTo(Path.of("/data/k.db"));
        ServerConfig.ListenerConfig l = c.listeners().get(0);
        assertThat(l.host()).isEqualTo("0.0.0.0");
        assertThat(l.port()).isEqualTo(8443);
        assertThat(l.tlsDisable()).isFalse();
        assertThat(l.tlsCertFile()).hasValue(Path.of("/etc/keyhaven/tls/cert.pem"));
        assertThat(l.tlsMinVersion()).isEqualTo("tls13");
        assertThat(l.maxRequestSize()).isEqualTo(1048576);
        assertThat(l.readTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(l.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.sealKeyFile()).hasValue(Path.of("/etc/keyhaven/unseal.key"));
        assertThat(c.clusterName()).isEqualTo("prod");
        assertThat(c.logLevel()).isEqualTo("warn");
        assertThat(c.ui()).isTrue();
        assertThat(c.defaultMaxRequestSize()).isEqualTo(4096);
    }

    @Test
    void defaultsApply() {
        ServerConfig c = parse(STORAGE + "listener \"tcp\" {\n  tls_disable = \"true\"\n}\n");
        ServerConfig.ListenerConfig l = c.listeners().get(0);
        assertThat(l.address()).isEqualTo("127.0.0.1:8200");
        assertThat(l.maxRequestSize()).isEqualTo(32L * 1024 * 1024);
        assertThat(l.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.logLevel()).isEqualTo("info");
        assertThat(c.sealKeyFile()).isEmpty();
    }

    @Test
    void errorsNameTheFileLineAndKey() {
        rejects(STORAGE + "listener \"tcp\" {\n  tls_disable = true\n  foo = 1\n}\n", "server.hcl:6: unknown key \"foo\" in listener \"tcp\"");
        rejects(STORAGE + "listener \"tcp\" { tls_disable = true }\nlog_lvel = \"info\"\n", "server.hcl:5: unknown key \"log_lvel\" (did you mean \"log_level\"?)");
        rejects(STORAGE + "listener \"tcp\" { tls_disable = true }\nlog_level = \"loud\"\n", "server.hcl:5: invalid value for \"log_level\": \"loud\" (use trace, debug, info, warn or error)");
        rejects(STORAGE + "listener \"tcp\" {\n  address = \"localhost\"\n  tls_disable = true\n}\n",
                "server.hcl:5: invalid value for \"address\" in listener \"tcp\": \"localhost\" (expected host:port, e.g. \"127.0.0.1:8200\")");
        rejects(STORAGE + "listener \"tcp\" {\n  address = \"1.2.3.4:70000\"\n  tls_disable = true\n}\n", "server.hcl:5: invalid value for \"address\" in listener \"tcp\": \"1.2.3.4:70000\" (expected host:port, e.g. \"127.0.0.1:8200\")");
        rejects(STORAGE + "listener \"tcp\" {\n  address = \"127.0.0.1:1\"\n}\n", "server.hcl:4: listener \"tcp\" needs tls_cert_file and tls_key_file, or tls_disable = true");
        rejects(STORAGE + "listener \"tcp\" {\n  tls_disable = true\n  http_read_timeout = \"soon\"\n}\n",
                "server.hcl:6: invalid value for \"http_read_timeout\": expected a positive duration like \"30s\", \"5m\" or \"1h\"");
        rejects(STORAGE + "listener \"tcp\" {\n  tls_disable = true\n  max_request_size = -1\n}\n", "server.hcl:6: invalid value for \"max_request_size\": must not be negative");
        rejects(STORAGE + "listener \"tcp\" { tls_disable = true }\nlistener \"udp\" { }\n", "server.hcl:5: listener type \"udp\" is not supported (supported: \"tcp\")");
        rejects("storage \"raft\" { path = \"/x\" }\nlistener \"tcp\" { tls_disable = true }\n", "server.hcl:1: storage type \"raft\" is not supported (supported: \"sqlite\")");
        rejects("listener \"tcp\" { tls_disable = true }\n", "server.hcl:1: missing required block: storage \"sqlite\" { path = \"...\" }");
        rejects(STORAGE, "server.hcl:1: missing required block: listener \"tcp\" { address = \"127.0.0.1:8200\" }");
        rejects(STORAGE + STORAGE + "listener \"tcp\" { tls_disable = true }\n", "server.hcl:4: storage is defined more than once (first at line 1)");
        rejects(STORAGE + "listener \"tcp\" { tls_disable = true }\napi_addr = 8200\n", "server.hcl:5: invalid value for \"api_addr\": expected a string in double quotes");
        rejects(STORAGE + "listener \"tcp\" { tls_disable = true }\nui = true\nui = false\n", "server.hcl:6: key \"ui\" is set twice (first at line 5)");
        rejects(STORAGE + "listener \"tcp\" { tls_disable = true }\nseal \"awskms\" { }\n", "server.hcl:5: seal type \"awskms\" is not supported (supported: \"file\", for development auto-unseal; omit the stanza for Shamir)");
        rejects(STORAGE + "listener \"tcp\" { tls_disable = true }\nentropy \"seal\" { }\n", "server.hcl:5: unknown block \"entropy\"");
        rejects("storage \"sqlite\" {\n  path = \"x\n}\n", "server.hcl:2: syntax error: unterminated string (newline inside quotes)");
    }

    @Test
    void durationsParseLikeGo() {
        assertThat(ServerConfig.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(ServerConfig.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ServerConfig.parseDuration("45")).isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> ServerConfig.parseDuration("5 m")).isInstanceOf(IllegalArgumentException.class);
    }

    @org.junit.jupiter.api.Test
    void auditRetentionBlockSchedulesPruningAndRejectsBadValuesWithTheLine() {
        String base = "storage \"sqlite\" {\n  path = \"k.db\"\n}\nlistener \"tcp\" {\n  tls_disable = true\n}\n";
        ServerConfig c = parse(base + "audit_retention {\n  older_than = \"90d\"\n  backup_dir = \"backups\"\n}\n");
        assertThat(c.auditRetention()).hasValueSatisfying(r -> {
            assertThat(r.olderThan()).isEqualTo(Duration.ofDays(90));
            assertThat(r.backupDir()).isEqualTo(Path.of("/etc/keyhaven/backups"));
            assertThat(r.interval()).isEqualTo(Duration.ofHours(24));
        });
        assertThat(parse(base).auditRetention()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse(base + "audit_retention {\n  backup_dir = \"b\"\n}\n"))
                .hasMessageContaining("server.hcl:7").hasMessageContaining("older_than");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse(base + "audit_retention {\n  older_than = \"90d\"\n  backup_dir = \"b\"\n  keep = 1\n}\n"))
                .hasMessageContaining("unknown key \"keep\"");
    }
}
