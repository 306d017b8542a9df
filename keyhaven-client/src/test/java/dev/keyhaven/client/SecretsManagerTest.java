package dev.keyhaven.client;

import dev.keyhaven.client.redact.Redactor;
import dev.keyhaven.client.spi.SecretSource;
import dev.keyhaven.client.spi.SourceValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretsManagerTest {

    @TempDir
    Path dir;

    private final Redactor redactor = Redactor.create();
    private final Map<String, String> env = new HashMap<>();

    private Path secretsDir() throws IOException {
        return Files.createDirectories(dir.resolve("run-secrets"));
    }

    private SecretsManager.Builder manager() {
        return SecretsManager.builder().defaultChain().environment(env).directory(dir).redactor(redactor);
    }

    @Test
    void defaultChainResolvesInOrderEnvironmentThenDotenvThenFiles() throws IOException {
        String fromEnv = Canary.value("env");
        String fromDotenv = Canary.value("dot");
        String fromLocal = Canary.value("local");
        String fromFile = Canary.value("file");
        env.put("A", fromEnv);
        Files.writeString(dir.resolve(".env"), "A=shadowed\nB=" + fromDotenv + "\nC=base\n");
        Files.writeString(dir.resolve(".env.local"), "C=" + fromLocal + "\n");
        Path f = dir.resolve("d_secret");
        Files.writeString(f, fromFile + "\n");
        env.put("D_FILE", f.toString());
        try (SecretsManager m = manager().build()) {
            assertThat(m.sourceNames()).containsExactly("environment", "dotenv", "file");
            assertThat(m.get("A").reveal()).isEqualTo(fromEnv);
            assertThat(m.get("B").reveal()).isEqualTo(fromDotenv);
            assertThat(m.get("C").reveal()).as(".env.local overrides .env").isEqualTo(fromLocal);
            assertThat(m.get("D").reveal()).as("one trailing newline trimmed").isEqualTo(fromFile);
            assertThat(m.find("NOPE")).isEmpty();
        }
    }

    @Test
    void secretsDevEnvOverridesTheOtherDotenvFiles() throws IOException {
        Files.writeString(dir.resolve(".env"), "X=base\n");
        Files.writeString(dir.resolve(".env.local"), "X=local\n");
        Files.createDirectories(dir.resolve(".secrets"));
        Files.writeString(dir.resolve(".secrets/dev.env"), "X=dev\nY=${X}-y\n");
        try (SecretsManager m = manager().build()) {
            assertThat(m.get("X").reveal()).isEqualTo("dev");
            assertThat(m.get("Y").reveal()).isEqualTo("dev-y");
            assertThat(m.explain("X")).contains("found in dotenv (.secrets" + java.io.File.separator + "dev.env:1)");
        }
    }

    @Test
    void missingSecretNamesEverySourceTried() {
        try (SecretsManager m = manager().build()) {
            assertThatThrownBy(() -> m.get("DB_PASSWORD"))
                    .isInstanceOf(SecretNotFoundException.class)
                    .hasMessage("secret 'DB_PASSWORD' not found; tried environment, dotenv, file");
        }
    }

    @Test
    void explainSaysWhichSourceAnsweredAndWhichWereTriedWithoutTheValue() throws IOException {
        String value = Canary.value("explain");
        Files.writeString(dir.resolve(".env"), "# c\nAPI_KEY=" + value + "\n");
        try (SecretsManager m = manager().build()) {
            String text = m.explain("API_KEY");
            assertThat(text).doesNotContain(value);
            assertThat(text).startsWith("API_KEY: found in dotenv (.env:2)");
            assertThat(text).containsPattern("1\\. environment\\s+not set");
            assertThat(text).containsPattern("2\\. dotenv\\s+found \\(\\.env:2\\)");
            assertThat(text).containsPattern("3\\. file\\s+not asked");
            assertThat(m.explain("NOPE")).startsWith("NOPE: not found in any source");
        }
    }

    @Test
    void explainReportsAFailingSourceWithoutThrowing() {
        SecretSource broken = new SecretSource() {
            @Override
            public String name() {
                return "remote";
            }

            @Override
            public Optional<SourceValue> lookup(String name) {
                throw new SourceUnavailableException("remote", "cannot reach http://127.0.0.1:1: connection refused");
            }
        };
        try (SecretsManager m = manager().source(broken).build()) {
            assertThat(m.explain("X")).startsWith("X: lookup failed in remote")
                    .contains("4. remote       failed: [remote] cannot reach");
            assertThatThrownBy(() -> m.get("X")).isInstanceOf(SourceUnavailableException.class);
        }
    }

    @Test
    void validateListsEveryMissingEmptyAndPlaceholderNameAndNoValue() throws IOException {
        String good = Canary.value("good");
        String placeholder = "your_stripe_key_here";
        Files.writeString(dir.resolve(".env.example"), "GOOD=\nEMPTY=\nPLACE=\nMISSING=<fill me>\n");
        Files.writeString(dir.resolve(".env"), "GOOD=" + good + "\nEMPTY=\nPLACE=" + placeholder + "\nANGLE=<db password>\n");
        env.put("CHANGE", "CHANGEME-later");
        try (SecretsManager m = manager().requireFromExampleFile().require("CHANGE", "ANGLE").build()) {
            assertThat(m.requiredNames()).containsExactly("CHANGE", "ANGLE", "GOOD", "EMPTY", "PLACE", "MISSING");
            assertThatThrownBy(m::validate)
                    .isInstanceOf(ValidationException.class)
                    .satisfies(e -> {
                        ValidationException v = (ValidationException) e;
                        assertThat(v.problems()).extracting(ValidationException.Problem::name, ValidationException.Problem::reason)
                                .containsExactly(
                                        org.assertj.core.groups.Tuple.tuple("CHANGE", ValidationException.Reason.PLACEHOLDER),
                                        org.assertj.core.groups.Tuple.tuple("ANGLE", ValidationException.Reason.PLACEHOLDER),
                                        org.assertj.core.groups.Tuple.tuple("EMPTY", ValidationException.Reason.EMPTY),
                                        org.assertj.core.groups.Tuple.tuple("PLACE", ValidationException.Reason.PLACEHOLDER),
                                        org.assertj.core.groups.Tuple.tuple("MISSING", ValidationException.Reason.MISSING));
                        assertThat(v.getMessage())
                                .startsWith("5 required secrets are not usable:")
                                .contains("MISSING: missing (tried environment, dotenv, file)")
                                .contains("EMPTY: empty (from dotenv: .env:2)")
                                .doesNotContain(good).doesNotContain(placeholder).doesNotContain("CHANGEME-later")
                                .doesNotContain("<db password>");
                    });
        }
    }

    @Test
    void validatePassesWhenEverythingIsSet() throws IOException {
        Files.writeString(dir.resolve("env.example"), "A=changeme\n");
        env.put("A", Canary.value("a"));
        try (SecretsManager m = manager().requireFromExampleFile().build()) {
            m.validate();
            m.requireAll("A");
        }
    }

    @Test
    void requireFromExampleFileFailsAtBuildWhenThereIsNone() {
        assertThatThrownBy(() -> manager().requireFromExampleFile().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("neither .env.example nor env.example exists");
    }

    @Test
    void answersAreCachedForTheTtlAndRefreshedAfterIt() {
        AtomicInteger lookups = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        SecretSource counting = new SecretSource() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public Optional<SourceValue> lookup(String name) {
                return Optional.of(SourceValue.of(Secret.of("v" + lookups.incrementAndGet()), "call"));
            }
        };
        try (SecretsManager m = SecretsManager.builder().source(counting).redactor(redactor)
                .cacheTtl(Duration.ofSeconds(60)).nanoTime(now::get).build()) {
            assertThat(m.get("K").reveal()).isEqualTo("v1");
            now.addAndGet(Duration.ofSeconds(59).toNanos());
            assertThat(m.get("K").reveal()).isEqualTo("v1");
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            assertThat(m.get("K").reveal()).isEqualTo("v2");
            m.refresh();
            assertThat(m.get("K").reveal()).isEqualTo("v3");
            m.refresh("K");
            assertThat(m.get("K").reveal()).isEqualTo("v4");
        }
    }

    @Test
    void everyLoadedValueIsRegisteredForRedaction() throws IOException {
        String v = Canary.value("reg");
        Files.writeString(dir.resolve(".env"), "K=" + v + "\nSHORT=abc\n");
        try (SecretsManager m = manager().build()) {
            m.get("K");
            m.get("SHORT");
            assertThat(redactor.redact("user logged " + v)).isEqualTo("user logged ****");
            assertThat(redactor.redact("abc stays")).as("values under 4 chars are not masked").isEqualTo("abc stays");
        }
    }

    @Test
    void unversionedSourcesHaveNoPreviousAndCurrentHasNoVersion() {
        env.put("K", Canary.value("k"));
        try (SecretsManager m = manager().build()) {
            Versioned cur = m.current("K");
            assertThat(cur.version()).isEmpty();
            assertThat(cur.source()).isEqualTo("environment");
            assertThat(m.previous("K")).isEmpty();
            assertThat(m.matchesCurrentOrPrevious("K", env.get("K").toCharArray())).isTrue();
            assertThat(m.matchesCurrentOrPrevious("K", "nope".toCharArray())).isFalse();
        }
    }

    @Test
    void brokenDotenvFileFailsWithFileAndLineButNoValue() throws IOException {
        String v = Canary.value("broken");
        Files.writeString(dir.resolve(".env"), "OK=1\n" + v + "\n");
        try (SecretsManager m = manager().build()) {
            assertThatThrownBy(() -> m.get("OK"))
                    .isInstanceOf(SourceException.class)
                    .hasMessageContaining("[dotenv] .env: invalid dotenv syntax")
                    .hasMessageContaining("line 2")
                    .hasMessageNotContaining(v);
        }
    }

    @Test
    void closedManagerRefusesLookups() {
        SecretsManager m = manager().build();
        m.close();
        assertThatThrownBy(() -> m.get("X")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void duplicateSourceNamesAreRejected() {
        assertThatThrownBy(() -> manager().source(dev.keyhaven.client.sources.EnvironmentSource.of(Map.of())).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("two sources are named 'environment'");
    }

    @Test
    void emptyChainIsRejected() {
        assertThatThrownBy(() -> SecretsManager.builder().build()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void customSecretsDirectoryIsConsultedByTheFileSource() throws IOException {
        Path d = secretsDir();
        String v = Canary.value("docker");
        Files.writeString(d.resolve("db_password"), v + "\r\n");
        try (SecretsManager m = SecretsManager.builder().redactor(redactor)
                .source(dev.keyhaven.client.sources.FileSecretSource.of(env, List.of(d))).build()) {
            assertThat(m.get("DB_PASSWORD").reveal()).isEqualTo(v);
        }
    }

    @Test
    void defaultChainAddsTheServerWhenAddressAndPathsAreSet() {
        env.put("HOME", dir.toString()); // no ~/.vault-token there
        env.put("KEYHAVEN_ADDR", "http://127.0.0.1:8200");
        env.put("KEYHAVEN_TOKEN", Canary.value("t"));
        try (SecretsManager m = manager().build()) {
            assertThat(m.sourceNames()).as("no KEYHAVEN_PATHS: nothing to read").containsExactly("environment", "dotenv", "file");
        }
        env.put("KEYHAVEN_PATHS", "app/prod, app/shared");
        try (SecretsManager m = manager().build()) {
            assertThat(m.sourceNames()).containsExactly("environment", "dotenv", "file", "keyhaven");
        }
        env.remove("KEYHAVEN_TOKEN");
        assertThatThrownBy(() -> manager().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no token");
    }

    @Test
    void duringAnOutageAStaleValueIsServedOnlyWithinTheGraceAndOnlyWhenAskedFor() {
        AtomicLong now = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean denied = new java.util.concurrent.atomic.AtomicBoolean();
        SecretSource flaky = new SecretSource() {
            @Override
            public String name() {
                return "remote";
            }

            @Override
            public Optional<SourceValue> lookup(String name) {
                if (denied.get()) {
                    throw new AccessDeniedException("remote", "permission denied");
                }
                if (down.get()) {
                    throw new SourceUnavailableException("remote", "cannot reach it");
                }
                return Optional.of(SourceValue.of(Secret.of("fresh"), "remote"));
            }
        };
        try (SecretsManager strict = SecretsManager.builder().source(flaky).redactor(redactor)
                .cacheTtl(Duration.ofSeconds(10)).nanoTime(now::get).build();
             SecretsManager lenient = SecretsManager.builder().source(flaky).redactor(redactor)
                .cacheTtl(Duration.ofSeconds(10)).serveStaleDuringOutage(Duration.ofSeconds(60)).nanoTime(now::get).build()) {
            strict.get("K");
            lenient.get("K");
            down.set(true);
            now.addAndGet(Duration.ofSeconds(30).toNanos());
            assertThatThrownBy(() -> strict.get("K")).isInstanceOf(SourceUnavailableException.class);
            assertThat(lenient.get("K").reveal()).isEqualTo("fresh");
            assertThatThrownBy(() -> lenient.get("OTHER")).as("never loaded").isInstanceOf(SourceUnavailableException.class);
            now.addAndGet(Duration.ofSeconds(41).toNanos());
            assertThatThrownBy(() -> lenient.get("K")).as("grace over").isInstanceOf(SourceUnavailableException.class);
        }
        down.set(false);
        try (SecretsManager lenient = SecretsManager.builder().source(flaky).redactor(redactor)
                .cacheTtl(Duration.ofSeconds(10)).serveStaleDuringOutage(Duration.ofSeconds(60)).nanoTime(now::get).build()) {
            lenient.get("K");
            denied.set(true);
            now.addAndGet(Duration.ofSeconds(11).toNanos());
            assertThatThrownBy(() -> lenient.get("K")).as("a denial is never masked").isInstanceOf(AccessDeniedException.class);
        }
    }
}
