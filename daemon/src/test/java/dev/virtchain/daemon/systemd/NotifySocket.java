package dev.virtchain.daemon.systemd;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The service manager's end of sd_notify: a Unix datagram socket bound to a path, which JDK 17
 * cannot make, so it is made with libc through JNA. Linux x86-64 / aarch64 constants.
 */
final class NotifySocket implements AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;

    interface LibC extends Library {
        int socket(int domain, int type, int protocol);

        int bind(int fd, byte[] address, int length);

        int setsockopt(int fd, int level, int option, byte[] value, int length);

        NativeLong recv(int fd, byte[] buffer, NativeLong length, int flags);

        int close(int fd);
    }

    private static final LibC LIBC = Native.load("c", LibC.class);

    private final int fd;
    final Path path;

    NotifySocket(Path path) throws IOException {
        this.path = path;
        fd = LIBC.socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM) failed: errno " + Native.getLastError());
        }
        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer address = ByteBuffer.allocate(2 + 108).order(ByteOrder.nativeOrder());
        address.putShort((short) AF_UNIX).put(name).put((byte) 0);
        if (LIBC.bind(fd, address.array(), 2 + name.length + 1) != 0) {
            int errno = Native.getLastError();
            LIBC.close(fd);
            throw new IOException("bind(" + path + ") failed: errno " + errno);
        }
    }

    /** The next datagram, or empty when none arrives within {@code timeout}. */
    Optional<String> receive(Duration timeout) {
        // struct timeval { long tv_sec; long tv_usec; }
        ByteBuffer tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        tv.putLong(timeout.toSeconds()).putLong(timeout.toNanosPart() / 1000);
        LIBC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv.array(), 16);
        byte[] buffer = new byte[4096];
        long n = LIBC.recv(fd, buffer, new NativeLong(buffer.length), 0).longValue();
        return n < 0 ? Optional.empty() : Optional.of(new String(buffer, 0, (int) n, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        LIBC.close(fd);
    }
}
