package dev.virtchain.cli;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code --timeout} of one request: a watcher thread that closes the connection when the
 * daemon has sent nothing for too long, which ends the blocked connect, write or read at once.
 *
 * <p>Every line from the daemon restarts the clock. Once the daemon reports progress, an
 * operation is under way and some of its steps report nothing for a long time (an offline
 * commit, a wait for a block-job slot): the default limit then stops, and only a limit given
 * explicitly goes on applying.
 */
final class Silence implements AutoCloseable {
    private final long limitNanos;
    private final boolean explicit;
    private final SocketChannel channel;
    private final Thread watcher;
    private volatile long deadline;
    private volatile boolean watching = true;
    private volatile boolean fired;

    /** @param seconds the limit; 0 means none */
    Silence(SocketChannel channel, int seconds, boolean explicit) {
        this.channel = channel;
        this.limitNanos = TimeUnit.SECONDS.toNanos(seconds);
        this.explicit = explicit;
        this.deadline = System.nanoTime() + limitNanos;
        this.watcher = new Thread(this::watch, "virtchain-timeout");
        this.watcher.setDaemon(true);
        if (seconds > 0) {
            watcher.start();
        }
    }

    /** The daemon sent a line; {@code progress} when it was a progress line. */
    void heard(boolean progress) {
        if (progress && !explicit) {
            stop();
        } else {
            deadline = System.nanoTime() + limitNanos;
        }
    }

    /** Whether the limit passed and the connection was closed for it. */
    boolean fired() {
        return fired;
    }

    private void watch() {
        while (watching) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fired = true;
                try {
                    channel.close();
                } catch (IOException e) {
                    // closing to stop a blocked call; nothing more to do
                }
                return;
            }
            LockSupport.parkNanos(this, left);
        }
    }

    private void stop() {
        watching = false;
        LockSupport.unpark(watcher);
    }

    @Override
    public void close() {
        stop();
    }
}
