package dev.keyhaven.core.rotation;

/**
 * TEST-ONLY fault injection for the crash tests: when the system property {@code keyhaven.rotation.crashAfter}
 * names a step, the JVM halts with status 137 (as after {@code kill -9}) right after that step became durable.
 * Steps: {@code prepared}, {@code applied}, {@code stored}, {@code promoted}, {@code target-retired}, {@code retired}.
 * Unset in production; never set it on a real server.
 */
public final class CrashPoints {
    public static final String PROPERTY = "keyhaven.rotation.crashAfter";

    private CrashPoints() {}

    static void reached(String step) {
        String wanted = System.getProperty(PROPERTY);
        if (wanted != null && wanted.equals(step)) {
            System.out.flush();
            System.err.println("keyhaven.rotation.crashAfter=" + step + ": halting (test-only fault hook)");
            Runtime.getRuntime().halt(137);
        }
    }
}
