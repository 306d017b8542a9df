package dev.keyhaven.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.KeyhavenException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"1h,3600", "30m,1800", "3600,3600", "90s,90", "1h30m,5400", "1.5h,5400", "7d,604800", "500ms,0", "'',0", "' 15m ',900", "0,0"})
    void parsesVaultDurationForms(String in, long seconds) {
        assertThat(Durations.parse("ttl", in)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @ValueSource(strings = {"forever", "1x", "h", "1.2.3h", "--1h", "1 h", "99999999999999999999999", "100000000h"})
    void rejectsNonsenseWithA400NamingTheField(String in) {
        assertThatThrownBy(() -> Durations.parse("ttl", in)).isInstanceOf(KeyhavenException.class).hasMessageContaining("'ttl'");
    }

    @Property(tries = 200)
    void integerSecondsRoundTrip(@ForAll @LongRange(min = 0, max = Durations.MAX_SECONDS) long s) {
        assertThat(Durations.parse("ttl", s)).isEqualTo(Duration.ofSeconds(s));
        assertThat(Durations.parse("ttl", Long.toString(s))).isEqualTo(Duration.ofSeconds(s));
    }

    @org.junit.jupiter.api.Test
    void numbersAndWrongTypes() {
        assertThat(Durations.parse("ttl", 60)).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parse("ttl", new BigDecimal("60.0"))).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parse("ttl", null)).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> Durations.parse("ttl", true)).isInstanceOf(KeyhavenException.class);
        assertThatThrownBy(() -> Durations.parse("ttl", List.of())).isInstanceOf(KeyhavenException.class);
        assertThatThrownBy(() -> Durations.parseNonNegative("ttl", "-1h")).hasMessage("ttl must be positive");
    }
}
