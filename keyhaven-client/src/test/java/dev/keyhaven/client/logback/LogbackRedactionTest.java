package dev.keyhaven.client.logback;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import dev.keyhaven.client.Canary;
import dev.keyhaven.client.Secret;
import dev.keyhaven.client.SecretsManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads secrets through a real SecretsManager (dotenv + environment), logs them through real Logback in every
 * way an application leaks them, and checks the written log files.
 */
class LogbackRedactionTest {

    private static final String CONFIG = """
            <configuration>
              <conversionRule conversionWord="redact" converterClass="dev.keyhaven.client.logback.RedactingConverter"/>
              <appender name="ENCODER" class="ch.qos.logback.core.FileAppender">
                <file>${DIR}/encoder.log</file>
                <encoder class="dev.keyhaven.client.logback.RedactingPatternLayoutEncoder">
                  <pattern>%level %logger{0} - %msg mdc=[%X]%n%ex</pattern>
                </encoder>
              </appender>
              <appender name="COMPOSITE" class="ch.qos.logback.core.FileAppender">
                <file>${DIR}/composite.log</file>
                <encoder>
                  <pattern>%level %logger{0} - %redact(%msg mdc=[%X]%n%ex)</pattern>
                </encoder>
              </appender>
              <appender name="RAW" class="ch.qos.logback.core.FileAppender">
                <file>${DIR}/raw.log</file>
                <encoder>
                  <pattern>%level %logger{0} - %msg mdc=[%X]%n%ex</pattern>
                </encoder>
              </appender>
              <logger name="app" level="DEBUG" additivity="false">
                <appender-ref ref="ENCODER"/>
                <appender-ref ref="COMPOSITE"/>
              </logger>
              <logger name="control" level="DEBUG" additivity="false">
                <appender-ref ref="RAW"/>
              </logger>
            </configuration>
            """;

    private static final String OVERRIDE_CONFIG = """
            <configuration>
              <conversionRule conversionWord="msg" converterClass="dev.keyhaven.client.logback.RedactingMessageConverter"/>
              <conversionRule conversionWord="ex" converterClass="dev.keyhaven.client.logback.RedactingThrowableConverter"/>
              <appender name="OVERRIDE" class="ch.qos.logback.core.FileAppender">
                <file>${DIR}/override.log</file>
                <encoder><pattern>%level %logger{0} - %msg%n%ex</pattern></encoder>
              </appender>
              <root level="DEBUG"><appender-ref ref="OVERRIDE"/></root>
            </configuration>
            """;

    @TempDir
    Path dir;

    private LoggerContext context(String xml) throws Exception {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new LogbackMDCAdapter());
        ctx.putProperty("DIR", dir.toString());
        JoranConfigurator jc = new JoranConfigurator();
        jc.setContext(ctx);
        jc.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        return ctx;
    }

    /** Loads secrets the way an application does; the manager registers them with the global redactor. */
    private List<String> loadSecrets() throws Exception {
        String dbPassword = Canary.value("db");
        String apiKey = Canary.value("api");
        String sessionKey = Canary.value("session");
        String causeValue = Canary.value("cause");
        String mdcValue = Canary.value("mdc");
        Files.writeString(dir.resolve(".env"), "DB_PASSWORD=\"" + dbPassword + "\"\nAPI_KEY=" + apiKey + "\nCAUSE=" + causeValue + "\n");
        try (SecretsManager m = SecretsManager.builder().defaultChain().directory(dir)
                .environment(Map.of("SESSION_KEY", sessionKey, "MDC_VALUE", mdcValue)).build()) {
            return List.of(m.get("DB_PASSWORD").reveal(), m.get("API_KEY").reveal(), m.get("SESSION_KEY").reveal(),
                    m.get("CAUSE").reveal(), m.get("MDC_VALUE").reveal());
        }
    }

    private static void logEverything(LoggerContext ctx, String loggerName, List<String> v, String unloadedToken) {
        Logger log = ctx.getLogger(loggerName);
        String db = v.get(0), api = v.get(1), session = v.get(2), cause = v.get(3), mdc = v.get(4);
        log.info("connecting with password " + db);                          // in the message
        log.info("calling partner with key {} for user {}", api, "bob");     // as an argument
        log.debug("session {} and map {}", Secret.of(session), Map.of("k", session)); // Secret object, map arg
        log.warn("vault token was {}", unloadedToken);                       // never loaded, but token-shaped
        IllegalStateException ex = new IllegalStateException("login failed for " + db,
                new RuntimeException("upstream said " + cause));
        ex.addSuppressed(new IllegalArgumentException("while closing " + api));
        log.error("request failed", ex);                                     // exception message, cause, suppressed
        ctx.getMDCAdapter().put("apiKey", mdc);                              // MDC
        log.info("with mdc");
        ctx.getMDCAdapter().clear();
    }

    @Test
    void noLoadedValueReachesTheLogThroughMessageArgumentExceptionOrMdc() throws Exception {
        List<String> values = loadSecrets();
        String token = "hvs." + Canary.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);
        LoggerContext ctx = context(CONFIG);
        try {
            logEverything(ctx, "app", values, token);
            logEverything(ctx, "control", values, token);
        } finally {
            ctx.stop();
        }
        String raw = Files.readString(dir.resolve("raw.log"));
        // the control appender has no redaction: proves the test really logs the values
        assertThat(raw).contains(values).contains(token);

        for (String file : List.of("encoder.log", "composite.log")) {
            String out = Files.readString(dir.resolve(file));
            assertThat(out).as(file).doesNotContain(values).doesNotContain(token);
            assertThat(out).as(file)
                    .contains("connecting with password ****")
                    .contains("calling partner with key **** for user bob")
                    .contains("session Secret[****] and map {k=****}")
                    .contains("vault token was ****")
                    .contains("java.lang.IllegalStateException: login failed for ****")
                    .contains("Caused by: java.lang.RuntimeException: upstream said ****")
                    .contains("Suppressed: java.lang.IllegalArgumentException: while closing ****")
                    .contains("mdc=[apiKey=****]")
                    .contains("at dev.keyhaven.client.logback.LogbackRedactionTest");
        }
    }

    @Test
    void overridingMsgAndExConversionWordsRedactsExistingPatterns() throws Exception {
        List<String> values = loadSecrets();
        LoggerContext ctx = context(OVERRIDE_CONFIG);
        try {
            Logger log = ctx.getLogger("x");
            log.info("pw {}", values.get(0));
            log.error("boom", new IllegalStateException("bad " + values.get(1), new RuntimeException(values.get(3))));
        } finally {
            ctx.stop();
        }
        String out = Files.readString(dir.resolve("override.log"));
        assertThat(out).doesNotContain(values.get(0)).doesNotContain(values.get(1)).doesNotContain(values.get(3))
                .contains("pw ****").contains("IllegalStateException: bad ****");
    }
}
