package dev.virtchain.daemon.exec;

/**
 * Where the executor tells a crash test which {@link CrashPoint} it has reached. The daemon's
 * {@code CrashPoints} halts the process at a configured one; an in-process test throws, so that
 * nothing after the point runs; production reaches nothing.
 */
@FunctionalInterface
public interface CrashSite {
    CrashSite NONE = point -> { };

    void reach(CrashPoint point);
}
