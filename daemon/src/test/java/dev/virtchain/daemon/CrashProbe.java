package dev.virtchain.daemon;

/**
 * Reaches crash point "after-record" three times, printing around each, with a shutdown hook
 * that would print if the JVM shut down normally. Run as a child JVM by {@link CrashPointsTest}.
 */
public final class CrashProbe {

    private CrashProbe() {
    }

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("shutdown hook ran")));
        CrashPoints points = CrashPoints.parse(System.getenv(CrashPoints.ENVIRONMENT_VARIABLE));
        for (int i = 1; i <= 3; i++) {
            System.out.println("before " + i);
            points.reach("after-record");
            System.out.println("passed " + i);
        }
    }
}
