package dev.keyhaven.client.redact;

import dev.keyhaven.client.Canary;
import dev.keyhaven.client.Secret;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

import static org.assertj.core.api.Assertions.assertThat;

class JulRedactionTest {

    @Test
    void installedOnAHandlerItMasksMessageParametersAndExceptions() {
        Redactor r = Redactor.create();
        String a = Canary.value("jul-a");
        String b = Canary.value("jul-b");
        String c = Canary.value("jul-c");
        r.addAll(java.util.List.of(Secret.of(a), Secret.of(b), Secret.of(c)));

        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StreamHandler handler = new StreamHandler(sink, new SimpleFormatter());
        Logger logger = Logger.getLogger("jul-test-" + System.nanoTime());
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
        JulRedaction.install(logger, r);
        JulRedaction.install(logger, r); // idempotent
        assertThat(handler.getFormatter()).isInstanceOf(RedactingJulFormatter.class);
        assertThat(((RedactingJulFormatter) handler.getFormatter()).delegate()).isInstanceOf(SimpleFormatter.class);

        logger.info("plain " + a);
        logger.log(Level.WARNING, "param {0} and {1}", new Object[] {b, "ok"});
        logger.log(Level.SEVERE, "failed", new IllegalStateException("because " + c, new RuntimeException("cause " + a)));
        handler.flush();
        String out = sink.toString(StandardCharsets.UTF_8);
        assertThat(out).doesNotContain(a).doesNotContain(b).doesNotContain(c)
                .contains("plain ****").contains("param **** and ok")
                .contains("java.lang.IllegalStateException: because ****")
                .contains("Caused by: java.lang.RuntimeException: cause ****");
    }

    @Test
    void filterAloneRewritesTheRecordForAnyFormatter() {
        Redactor r = Redactor.create();
        String a = Canary.value("rec");
        r.add(Secret.of(a));
        LogRecord rec = new LogRecord(Level.INFO, "x={0}");
        rec.setParameters(new Object[] {a});
        rec.setThrown(new RuntimeException("m " + a));
        assertThat(new RedactingJulFilter(r, null).isLoggable(rec)).isTrue();
        assertThat(rec.getMessage()).isEqualTo("x=****");
        assertThat(rec.getParameters()).isNull();
        assertThat(rec.getThrown().toString()).isEqualTo("java.lang.RuntimeException: m ****");
    }

    @Test
    void wrappedFilterStillDecides() {
        LogRecord rec = new LogRecord(Level.INFO, "m");
        java.util.logging.Filter deny = x -> false;
        assertThat(new RedactingJulFilter(Redactor.create(), deny).isLoggable(rec)).isFalse();
        Handler h = new StreamHandler();
        h.setFilter(deny);
        Logger l = Logger.getLogger("jul-wrap-" + System.nanoTime());
        l.addHandler(h);
        JulRedaction.install(l, Redactor.create());
        assertThat(h.getFilter().isLoggable(new LogRecord(Level.INFO, "m"))).isFalse();
    }
}
