package dev.virtchain.daemon.systemd;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects every datagram sent to a {@link NotifySocket}, one entry per assignment line, on a thread. */
public final class NotifyListener implements AutoCloseable {

    private final NotifySocket socket;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Map<String, Long> firstArrival = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    public NotifyListener(Path path) throws IOException {
        socket = new NotifySocket(path);
        thread = new Thread(() -> {
            while (!closed) {
                socket.receive(Duration.ofMillis(200)).ifPresent(d -> {
                    long at = System.nanoTime();
                    List<String> lines = d.lines().toList();
                    lines.forEach(line -> firstArrival.putIfAbsent(line, at));
                    received.addAll(lines);
                });
            }
        }, "notify-listener");
        thread.setDaemon(true);
        thread.start();
    }

    public Path path() {
        return socket.path;
    }

    /** {@link System#nanoTime()} when {@code line} (such as {@code READY=1}) first arrived, if it has. */
    public OptionalLong firstArrival(String line) {
        Long at = firstArrival.get(line);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
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
