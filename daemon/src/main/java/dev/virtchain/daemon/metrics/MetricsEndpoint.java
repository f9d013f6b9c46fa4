package dev.virtchain.daemon.metrics;

import com.sun.net.httpserver.HttpExchange;
import dev.virtchain.daemon.config.MetricsListen;
import dev.virtchain.libvirt.DaemonThreads;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP endpoint Prometheus scrapes, served by the Prometheus client library's
 * {@link HTTPServer}: bound to the configured address only, serving {@code GET /metrics} and
 * nothing else (no index page, no health page; every other path is 404). Scrapes only read.
 *
 * <p>Resources are bounded: two worker threads, a queue of eight requests (beyond that the
 * server's own dispatcher thread answers, which slows accepting rather than piling up work),
 * and the library's own request and response time limits.
 */
public final class MetricsEndpoint implements AutoCloseable {
    public static final String PATH = "/metrics";
    private static final int WORKERS = 2;
    private static final int QUEUE = 8;

    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /** Binds {@code listen} and starts serving {@code collector}; fails when the address is taken. */
    public static MetricsEndpoint start(MetricsListen listen, MultiCollector collector) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        ThreadPoolExecutor workers = new ThreadPoolExecutor(1, WORKERS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), DaemonThreads.numbered("metrics-http-"),
                new ThreadPoolExecutor.CallerRunsPolicy());
        // Properties built here, not read from system properties or a prometheus.properties file:
        // nothing outside the configuration file may move the port.
        HTTPServer server = HTTPServer.builder(PrometheusProperties.builder().build())
                .inetAddress(InetAddress.getByName(listen.address()))
                .port(listen.port())
                .registry(registry)
                .executorService(workers)
                .metricsHandlerPath(PATH)
                .registerHealthHandler(false)
                .defaultHandler(MetricsEndpoint::notFound)
                .buildAndStart();
        return new MetricsEndpoint(server);
    }

    /** The bound port. */
    public int port() {
        return server.getPort();
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().close();
            exchange.sendResponseHeaders(404, -1);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
