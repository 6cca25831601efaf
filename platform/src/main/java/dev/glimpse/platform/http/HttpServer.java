package dev.glimpse.platform.http;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.net.URI;
import java.security.KeyStore;
import java.util.Objects;
import java.util.UUID;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener of a Glimpse service (Jetty 12), kept the same way everywhere by {@link HttpSettings}: a bounded
 * worker pool, a connection limit, an idle timeout, a header size limit (431), a body limit enforced while reading
 * (413), a concurrency limit per route (503), graceful shutdown, optional TLS. Requests pass the server's
 * {@link RequestFilter} (one place for authentication and Origin/Host checks), then its {@link Routes}.
 * <pre>{@code
 * HttpServer server = HttpServer.builder("ingest", settings).port(8081).routes(routes).filter(auth).start();
 * }</pre>
 */
public final class HttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    /** Told about every finished request, e.g. to time it per route. */
    @FunctionalInterface
    public interface RequestListener {
        /** @param routePattern the matched route's pattern, null when none matched (404, 405, filtered) */
        void completed(String routePattern, String method, int status, long nanos);

        RequestListener NONE = (route, method, status, nanos) -> {
        };
    }

    private final String name;
    private final Server server;
    private final ServerConnector connector;
    private final HttpSettings settings;

    private HttpServer(String name, Server server, ServerConnector connector, HttpSettings settings) {
        this.name = name;
        this.server = server;
        this.connector = connector;
        this.settings = settings;
    }

    public static Builder builder(String name, HttpSettings settings) {
        return new Builder(name, settings);
    }

    /** Builds and starts one server. */
    public static final class Builder {
        private final String name;
        private final HttpSettings settings;
        private int port;
        private Routes routes = new Routes();
        private RequestFilter filter = RequestFilter.NONE;
        private ErrorBody errorBody = ErrorBody.MESSAGE;
        private RequestListener listener = RequestListener.NONE;

        private Builder(String name, HttpSettings settings) {
            this.name = Objects.requireNonNull(name, "name");
            this.settings = Objects.requireNonNull(settings, "settings");
        }

        /** 0 = any free port. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not in 0..65535");
            }
            this.port = port;
            return this;
        }

        public Builder routes(Routes table) {
            this.routes = table;
            return this;
        }

        /** The one filter every request of this server passes before its route. */
        public Builder filter(RequestFilter requestFilter) {
            this.filter = requestFilter;
            return this;
        }

        public Builder errorBody(ErrorBody shape) {
            this.errorBody = shape;
            return this;
        }

        public Builder listener(RequestListener requestListener) {
            this.listener = requestListener;
            return this;
        }

        /** @throws UncheckedIOException naming the address when the port cannot be bound */
        public HttpServer start() {
            // Jetty's job queue stays unbounded (it must never reject its own I/O jobs, jetty/jetty.project#13004);
            // what bounds it is the connection limit (HTTP/1.1: one request in flight per connection) together with
            // the bounded threads, and each route's concurrency limit.
            QueuedThreadPool pool = new QueuedThreadPool(settings.maxThreads(), Math.min(4, settings.maxThreads()));
            pool.setName("glimpse-" + name + "-http");
            pool.setDaemon(true);
            Server server = new Server(pool);
            HttpConfiguration http = new HttpConfiguration();
            http.setRequestHeaderSize(settings.maxHeaderBytes());
            http.setResponseHeaderSize(Math.max(8192, settings.maxHeaderBytes()));
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
            http.setIdleTimeout(settings.idleTimeout().toMillis());
            ServerConnector connector;
            if (settings.https()) {
                SecureRequestCustomizer secure = new SecureRequestCustomizer();
                secure.setSniHostCheck(false); // certificates for IP addresses (127.0.0.1) carry no SNI name
                http.addCustomizer(secure);
                connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(sslContext(settings.tls()), "http/1.1"),
                        new HttpConnectionFactory(http));
            } else {
                connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
            }
            connector.setHost(settings.bind());
            connector.setPort(port);
            connector.setIdleTimeout(settings.idleTimeout().toMillis());
            connector.setName(name);
            server.addConnector(connector);
            server.addBean(new NetworkConnectionLimit(settings.maxConnections(), connector));
            server.setHandler(new GracefulHandler(new Router(name, routes, filter, errorBody, listener, settings)));
            server.setStopTimeout(settings.shutdownTimeout().toMillis());
            server.setStopAtShutdown(false);
            try {
                server.start();
            } catch (Exception e) {
                try {
                    server.stop();
                } catch (Exception ignored) {
                    // nothing more to release
                }
                String where = settings.bind() + ":" + port;
                throw new UncheckedIOException(name + " cannot listen on " + where + ": " + e.getMessage(),
                        e instanceof IOException io ? io : new IOException(e));
            }
            HttpServer started = new HttpServer(name, server, connector, settings);
            LOG.info("{} listening on {}", name, started.boundAddress());
            return started;
        }
    }

    private static SslContextFactory.Server sslContext(HttpSettings.Tls tls) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        if (tls.keystore() != null) {
            ssl.setKeyStorePath(tls.keystore().toAbsolutePath().toString());
            ssl.setKeyStoreType("PKCS12");
            ssl.setKeyStorePassword(tls.keystorePassword() == null ? "" : tls.keystorePassword());
        } else {
            String password = UUID.randomUUID().toString(); // protects the in-memory copy only
            KeyStore store = PemKeyStore.load(tls.certificate(), tls.privateKey(), password.toCharArray());
            ssl.setKeyStore(store);
            ssl.setKeyStorePassword(password);
        }
        return ssl;
    }

    public String name() {
        return name;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The address actually bound, e.g. {@code http://127.0.0.1:8081} or {@code https://0.0.0.0:8443}. */
    public String boundAddress() {
        return scheme() + "://" + host(connector.getHost()) + ":" + port();
    }

    /** Where a client on this host reaches the server: the bound address, loopback when bound to every interface. */
    public URI uri() {
        String host = connector.getHost();
        boolean wildcard = host == null || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
        return URI.create(scheme() + "://" + (wildcard ? "127.0.0.1" : host(host)) + ":" + port());
    }

    public HttpSettings settings() {
        return settings;
    }

    private String scheme() {
        return settings.https() ? "https" : "http";
    }

    private static String host(String host) {
        if (host == null) {
            return "0.0.0.0";
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /**
     * Stops accepting connections, lets requests in flight finish for up to {@code http.shutdown.timeout}, then
     * closes what is left.
     */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("{}: HTTP server did not stop cleanly: {}", name, e.toString());
        }
    }
}
