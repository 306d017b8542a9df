package dev.keyhaven.core.audit;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs a SIGHUP handler that reopens every file audit device ({@link AuditBroker#reopenAll()}), so logrotate can
 * move the file away and signal the server. Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}, present on
 * HotSpot/OpenJDK) through reflection, so the code compiles and runs everywhere and merely reports {@code false}
 * where the API is missing. The server's {@code main} calls {@link #installSighupHandler()} once.
 */
public final class AuditSignals {
    private static final Logger LOG = LoggerFactory.getLogger(AuditSignals.class);

    private AuditSignals() {}

    public static boolean installSighupHandler() {
        return install(AuditBroker::reopenAll);
    }

    static boolean install(Runnable onHup) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
            InvocationHandler ih = (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                    LOG.info("SIGHUP: reopening audit files");
                    onHup.run();
                    return null;
                }
                if (method.getName().equals("toString")) return "audit-sighup-handler";
                if (method.getName().equals("hashCode")) return System.identityHashCode(proxy);
                if (method.getName().equals("equals")) return proxy == args[0];
                return null;
            };
            Object handler = Proxy.newProxyInstance(AuditSignals.class.getClassLoader(), new Class<?>[] {handlerClass}, ih);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("SIGHUP handler for audit file reopen not installed: {}", e.getClass().getSimpleName());
            return false;
        }
    }
}
