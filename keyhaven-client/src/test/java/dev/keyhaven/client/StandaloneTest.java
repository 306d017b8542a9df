package dev.keyhaven.client;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SDK works with nothing but the JDK: its own classes in a class loader that cannot see Logback or SLF4J. */
class StandaloneTest {

    @Test
    void managerSourcesAndJulRedactionRunWithoutAnyDependency() throws Exception {
        URL classes = SecretsManager.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader isolated = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("ch.qos.logback.classic.Logger", false, isolated))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> Class.forName("org.slf4j.Logger", false, isolated))
                    .isInstanceOf(ClassNotFoundException.class);

            Class<?> managerClass = Class.forName("dev.keyhaven.client.SecretsManager", true, isolated);
            Class<?> envSource = Class.forName("dev.keyhaven.client.sources.EnvironmentSource", true, isolated);
            Class<?> spi = Class.forName("dev.keyhaven.client.spi.SecretSource", true, isolated);
            Object builder = managerClass.getMethod("builder").invoke(null);
            Object source = envSource.getMethod("of", Map.class).invoke(null, Map.of("A", "value-a"));
            builder.getClass().getMethod("source", spi).invoke(builder, source);
            Object manager = builder.getClass().getMethod("build").invoke(builder);
            Object secret = managerClass.getMethod("get", String.class).invoke(manager, "A");
            Method reveal = secret.getClass().getMethod("reveal");
            assertThat(reveal.invoke(secret)).isEqualTo("value-a");
            assertThat(secret.toString()).isEqualTo("Secret[****]");
            Class.forName("dev.keyhaven.client.redact.JulRedaction", true, isolated).getMethod("install").invoke(null);
            managerClass.getMethod("close").invoke(manager);
        }
    }
}
