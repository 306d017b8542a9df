package dev.keyhaven.core.auth.login;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CidrsTest {
    @Test
    void blocksAndBareAddressesMatchV4AndV6() {
        List<String> b = Cidrs.validate("f", List.of(" 10.0.0.0/8 ", "192.168.1.7", "fd00::/8", "10.0.0.0/8"));
        assertThat(b).containsExactly("10.0.0.0/8", "192.168.1.7", "fd00::/8");
        assertThat(Cidrs.contains(b, "10.200.3.4")).isTrue();
        assertThat(Cidrs.contains(b, "11.0.0.1")).isFalse();
        assertThat(Cidrs.contains(b, "192.168.1.7")).isTrue();
        assertThat(Cidrs.contains(b, "192.168.1.8")).isFalse();
        assertThat(Cidrs.contains(b, "fd12:3456::1")).isTrue();
        assertThat(Cidrs.contains(b, "[fd12::1]:8200")).isTrue();
        assertThat(Cidrs.contains(b, "::ffff:10.1.1.1")).as("IPv4-mapped IPv6").isTrue();
        assertThat(Cidrs.contains(b, "10.1.1.1:5555")).isTrue();
        assertThat(Cidrs.contains(b, "")).isFalse();
        assertThat(Cidrs.contains(List.of("10.0.0.0/12"), "10.16.0.1")).isFalse();
        assertThat(Cidrs.contains(List.of("10.0.0.0/12"), "10.15.255.255")).isTrue();
    }

    @Test
    void hostNamesAndBadPrefixesAreRefusedWithoutResolving() {
        for (String bad : List.of("example.com", "10.0.0.0/33", "10.0.0.256", "fd00::/129", "10.0.0.0/", "1.2.3")) {
            assertThatThrownBy(() -> Cidrs.validate("token_bound_cidrs", List.of(bad))).isInstanceOf(KeyhavenException.class)
                    .hasMessageStartingWith("invalid CIDR block in 'token_bound_cidrs'");
        }
    }

    @Test
    void subsetChecksEveryInnerBlock() {
        assertThat(Cidrs.subset(List.of("10.1.0.0/16", "10.2.3.4"), List.of("10.0.0.0/8"))).isTrue();
        assertThat(Cidrs.subset(List.of("10.0.0.0/7"), List.of("10.0.0.0/8"))).isFalse();
        assertThat(Cidrs.subset(List.of("192.168.0.0/16"), List.of("10.0.0.0/8"))).isFalse();
        assertThat(Cidrs.subset(List.of("192.168.0.0/16"), List.of())).isTrue();
    }
}
