package dev.keyhaven.core.rotation;

import static dev.keyhaven.core.rotation.RotationKit.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyhaven.core.logical.ErrorCode;
import dev.keyhaven.core.logical.KeyhavenException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RotationPolicyTest {
    @Test
    void flatKeyValueFieldsBecomeRotatorSettings() {
        RotationPolicy p = RotationPolicy.parse("db", map("path", "secret/app/db", "rotator", "postgresql", "interval", "90d",
                "overlap", "24h", "connection_url", "jdbc:postgresql://db:5432/app", "usernames", "app_a,app_b"));
        assertThat(p.interval()).isEqualTo(Duration.ofDays(90));
        assertThat(p.overlap()).isEqualTo(Duration.ofHours(24));
        assertThat(p.settings()).containsEntry("connection_url", "jdbc:postgresql://db:5432/app").containsEntry("usernames", "app_a,app_b");
        assertThat(p.rotatorSettings().list("usernames")).containsExactly("app_a", "app_b");
    }

    @Test
    void hclDocumentWithSettingsBlockAndListParses() {
        String hcl = """
                path     = "secret/app/db"
                rotator  = "postgresql"
                interval = "90d"
                overlap  = "24h"
                settings {
                  connection_url = "jdbc:postgresql://db:5432/app"
                  usernames      = ["app_a", "app_b"]
                  admin_path     = "secret/rotation/pg-admin"
                }
                """;
        RotationPolicy p = RotationPolicy.parse("db", map("policy", hcl));
        assertThat(p.path()).isEqualTo("secret/app/db");
        assertThat(p.settings()).containsEntry("usernames", "app_a,app_b").containsEntry("admin_path", "secret/rotation/pg-admin");
    }

    @Test
    void jsonDocumentParses() {
        RotationPolicy p = RotationPolicy.parse("s", map("policy", "{\"path\":\"secret/web/session\",\"category\":\"session-secret\"}"));
        assertThat(p.rotator()).isEqualTo("random");
        assertThat(p.interval()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void categoriesSupplyTheGuidesDefaults() {
        assertThat(RotationPolicy.parse("a", map("path", "secret/x/db", "category", "database", "rotator", "mysql")).interval()).isEqualTo(Duration.ofDays(90));
        RotationPolicy cache = RotationPolicy.parse("b", map("path", "secret/x/cache", "category", "cache"));
        assertThat(cache.rotator()).isEqualTo("redis");
        assertThat(cache.interval()).isEqualTo(Duration.ofDays(90));
        RotationPolicy api = RotationPolicy.parse("c", map("path", "secret/x/stripe", "category", "api-key"));
        assertThat(api.interval()).isEqualTo(Duration.ofDays(60));
        assertThat(api.overlap()).isPositive();
        assertThat(api.rotator()).isEqualTo("webhook");
        RotationPolicy signing = RotationPolicy.parse("d", map("path", "transit/keys/jwt", "category", "signing-key"));
        assertThat(signing.interval()).isEqualTo(Duration.ofDays(30));
        assertThat(signing.rotator()).isEqualTo("transit");
        assertThat(RotationPolicy.parse("e", map("path", "secret/x/s", "category", "session-secret")).interval()).isEqualTo(Duration.ofDays(30));
        // explicit values win over the category
        assertThat(RotationPolicy.parse("f", map("path", "secret/x/s", "category", "session-secret", "interval", "7d")).interval()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void badInputIsA400NamingTheProblem() {
        assertBad(() -> RotationPolicy.parse("bad name!", map("path", "secret/a", "rotator", "random", "interval", "1d")), "invalid policy name");
        assertBad(() -> RotationPolicy.parse("p", map("rotator", "random", "interval", "1d")), "'path' is required");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "interval", "1d")), "'rotator' is required");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "rotator", "random")), "'interval' is required");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "rotator", "random", "interval", "90x")), "invalid duration for 'interval'");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "rotator", "random", "interval", "1d", "overlap", "2d")), "'overlap' must be shorter");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "rotator", "random", "interval", "30s")), "at least 1m");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a*b", "rotator", "random", "interval", "1d")), "'*' is only allowed at the end");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/../x", "rotator", "random", "interval", "1d")), "'..'");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "category", "nope")), "unknown category");
        assertBad(() -> RotationPolicy.parse("p", map("policy", "path = ")), "failed to parse policy document");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "rotator", "random", "interval", "1d", "Bad-Key", "x")), "invalid setting name");
        assertBad(() -> RotationPolicy.parse("p", map("path", "secret/a", "rotator", "random", "interval", "1d", "settings", List.of("x"))), "'settings' must be an object");
    }

    @Test
    void patternsMatchByPrefix() {
        RotationPolicy p = RotationPolicy.parse("p", map("path", "secret/app/sessions/*", "rotator", "random", "interval", "1d"));
        assertThat(p.isPattern()).isTrue();
        assertThat(p.matches("secret/app/sessions/web")).isTrue();
        assertThat(p.matches("secret/app/sessions/a/b")).isTrue();
        assertThat(p.matches("secret/app/other")).isFalse();
    }

    static void assertBad(org.assertj.core.api.ThrowableAssert.ThrowingCallable c, String fragment) {
        assertThatThrownBy(c).isInstanceOfSatisfying(KeyhavenException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            assertThat(e.getMessage()).contains(fragment);
        });
    }

    @Test
    void settingsRejectUnknownKeysPerRotator() {
        Settings s = new Settings(Map.of("lenght", "32"));
        assertBad(() -> new dev.keyhaven.core.rotation.rotators.RandomRotator().validate(s), "unknown setting(s) for rotator 'random': lenght");
    }
}
