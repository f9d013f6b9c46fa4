package dev.virtchain.daemon.systemd;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects every datagram sent to a {@link NotifySocket}, one entry per assignment line, on a thread. */
public final class NotifyListener implements AutoCloseable {

    private final NotifySocket socket;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    public NotifyListener(Path path) throws IOException {
        socket = new NotifySocket(path);
        thread = new Thread(() -> {
            while (!closed) {
                socket.receive(Duration.ofMillis(200)).ifPresent(d -> received.addAll(d.lines().toList()));
            }
        }, "notify-listener");
        thread.setDaemon(true);
        thread.start();
    }

    public Path path() {
        return socket.path;
    }

    public List<String> received() {
        return new ArrayList<>(received);
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.close();
    }
}
