package dev.keyhaven.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Vault's {@code x_forwarded_for_*} listener options: the rules on their own, and the config they come from (over HTTP: {@link ForwardedForHttpTest}). */
class ForwardedForTest {
    static final ForwardedFor STRICT = new ForwardedFor(List.of("127.0.0.1/32"), 0, true, true);

    @Test
    void offUnlessAuthorizedAddressesAreSet() {
        assertThat(ForwardedFor.OFF.enabled()).isFalse();
        assertThat(ForwardedFor.OFF.resolve("127.0.0.1", List.of("203.0.113.9"))).isEqualTo(new ForwardedFor.Client("127.0.0.1"));
    }

    @Test
    void theLastLinkOfTheChainIsTheClient() {
        assertThat(STRICT.resolve("127.0.0.1", List.of("198.51.100.1, 203.0.113.9"))).isEqualTo(new ForwardedFor.Client("203.0.113.9"));
        // several header lines make one chain, in order
        assertThat(STRICT.resolve("127.0.0.1", List.of("198.51.100.1", "203.0.113.9 ,192.0.2.4"))).isEqualTo(new ForwardedFor.Client("192.0.2.4"));
        // IPv6 as a socket's peer address reads; an IPv4 link with a port
        assertThat(STRICT.resolve("127.0.0.1", List.of("2001:db8::1"))).isEqualTo(new ForwardedFor.Client("2001:db8:0:0:0:0:0:1"));
        assertThat(STRICT.resolve("127.0.0.1", List.of("[2001:db8::2]"))).isEqualTo(new ForwardedFor.Client("2001:db8:0:0:0:0:0:2"));
        assertThat(STRICT.resolve("127.0.0.1", List.of("203.0.113.9:51234"))).isEqualTo(new ForwardedFor.Client("203.0.113.9"));
    }

    @Test
    void hopsAreSkippedFromTheEnd() {
        ForwardedFor skip = new ForwardedFor(List.of("127.0.0.0/8"), 2, true, true);
        assertThat(skip.resolve("127.0.0.1", List.of("192.0.2.1, 198.51.100.1", "10.0.0.2"))).isEqualTo(new ForwardedFor.Client("192.0.2.1"));
        assertThat(skip.resolve("127.0.0.1", List.of("198.51.100.1, 10.0.0.2"))).isEqualTo(new ForwardedFor.Refused(
                "malformed x-forwarded-for configuration or request, hops to skip (2) would skip before earliest chain link (chain length 2)"));
    }

    @Test
    void refusalsAndTheirSwitches() {
        String missing = "missing x-forwarded-for header and configured to reject when not present";
        String unauthorized = "client address not authorized for x-forwarded-for and configured to reject connection";
        assertThat(STRICT.resolve("127.0.0.1", List.of())).isEqualTo(new ForwardedFor.Refused(missing));
        assertThat(STRICT.resolve("10.1.2.3", List.of("203.0.113.9"))).isEqualTo(new ForwardedFor.Refused(unauthorized));
        // presence is checked before the peer, as in Vault
        assertThat(STRICT.resolve("10.1.2.3", List.of())).isEqualTo(new ForwardedFor.Refused(missing));
        ForwardedFor lenient = new ForwardedFor(List.of("127.0.0.1/32"), 0, false, false);
        assertThat(lenient.resolve("127.0.0.1", List.of())).isEqualTo(new ForwardedFor.Client("127.0.0.1"));
        assertThat(lenient.resolve("10.1.2.3", List.of("203.0.113.9"))).isEqualTo(new ForwardedFor.Client("10.1.2.3"));
    }

    @Test
    void aLinkThatIsNotAnAddressIsRefused() {
        for (String bad : List.of("", "unknown", "evil.example.com", "203.0.113.999", "1.2.3.4, ")) {
            assertThat(STRICT.resolve("127.0.0.1", List.of(bad))).as(bad).isInstanceOf(ForwardedFor.Refused.class);
        }
        assertThat(((ForwardedFor.Refused) STRICT.resolve("127.0.0.1", List.of("1.2.3.4, unknown"))).message())
                .isEqualTo("malformed x-forwarded-for request: chain link 2 of 2 is not an IP address");
    }

    static final String STORAGE = "storage \"sqlite\" {\n  path = \"/data/k.db\"\n}\n";

    ServerConfig.ListenerConfig listener(String options) {
        return ServerConfig.parse("server.hcl", STORAGE + "listener \"tcp\" {\n  tls_disable = true\n" + options + "}\n", Path.of("/etc"))
                .listeners().get(0);
    }

    void rejects(String options, String message) {
        assertThatThrownBy(() -> listener(options)).isInstanceOf(ServerConfig.ConfigException.class).hasMessage(message);
    }

    @Test
    void vaultsSpellingsAreRead() {
        assertThat(listener("").forwardedFor()).isEqualTo(ForwardedFor.OFF);
        assertThat(listener("  x_forwarded_for_authorized_addrs = \"10.0.0.0/8, 192.168.1.10\"\n  x_forwarded_for_hop_skips = \"1\"\n"
                + "  x_forwarded_for_reject_not_authorized = \"false\"\n  x_forwarded_for_reject_not_present = false\n").forwardedFor())
                .isEqualTo(new ForwardedFor(List.of("10.0.0.0/8", "192.168.1.10"), 1, false, false));
        assertThat(listener("  x_forwarded_for_authorized_addrs = [\"fd00::/8\", \"127.0.0.1/32\"]\n  x_forwarded_for_hop_skips = 2\n").forwardedFor())
                .isEqualTo(new ForwardedFor(List.of("127.0.0.1/32", "fd00::/8"), 2, true, true));
    }

    @Test
    void mistakesNameTheLineAndKey() {
        rejects("  x_forwarded_for_authorized_addrs = \"10.0.0.0/8,lb.internal\"\n",
                "server.hcl:6: invalid CIDR block in 'x_forwarded_for_authorized_addrs': lb.internal in listener \"tcp\"");
        rejects("  x_forwarded_for_authorized_addrs = \" , \"\n",
                "server.hcl:6: invalid value for \"x_forwarded_for_authorized_addrs\" in listener \"tcp\": no CIDR block given");
        rejects("  x_forwarded_for_authorized_addrs = [10]\n",
                "server.hcl:6: invalid value for \"x_forwarded_for_authorized_addrs\" in listener \"tcp\": expected CIDR blocks as strings");
        rejects("  x_forwarded_for_authorized_addrs = \"10.0.0.0/8\"\n  x_forwarded_for_hop_skips = \"one\"\n",
                "server.hcl:7: invalid value for \"x_forwarded_for_hop_skips\": expected a whole number from 0 to 64");
        rejects("  x_forwarded_for_hop_skips = 1\n",
                "server.hcl:6: \"x_forwarded_for_hop_skips\" in listener \"tcp\" has no effect without \"x_forwarded_for_authorized_addrs\"");
        rejects("  x_forwarded_for_reject_not_present = \"maybe\"\n  x_forwarded_for_authorized_addrs = \"10.0.0.0/8\"\n",
                "server.hcl:6: invalid value for \"x_forwarded_for_reject_not_present\": expected true or false");
    }

    @Test
    void twoListenersMayNotShareAnAddressUnlessBothTakeAnyFreePort() {
        String two = STORAGE + "listener \"tcp\" {\n  address = \"127.0.0.1:%s\"\n  tls_disable = true\n}\n"
                + "listener \"tcp\" {\n  address = \"127.0.0.1:%s\"\n  tls_disable = true\n}\n";
        assertThat(ServerConfig.parse("server.hcl", two.formatted("0", "0"), Path.of("/etc")).listeners()).hasSize(2);
        assertThatThrownBy(() -> ServerConfig.parse("server.hcl", two.formatted("8200", "8200"), Path.of("/etc")))
                .hasMessage("server.hcl:8: listener address \"127.0.0.1:8200\" is already used by the listener at line 4");
    }
}
