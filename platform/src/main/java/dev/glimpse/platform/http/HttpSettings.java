package dev.glimpse.platform.http;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.Validator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How every HTTP listener of a service is kept: bind address, worker pool, connection limit, timeouts, size limits,
 * concurrency per endpoint, graceful shutdown and optional TLS. The keys are defined once here ({@link #definition()},
 * part of every service's common keys); each listener keeps only its own port key.
 *
 * @param bind                  address every listener binds ({@code http.bind}); loopback unless told otherwise
 * @param maxThreads            worker threads of one server ({@code http.threads})
 * @param maxConnections        open connections; at the limit the server stops accepting until one closes
 *                              ({@code http.connections.max})
 * @param idleTimeout           a connection silent this long is closed ({@code http.idle.timeout})
 * @param maxHeaderBytes        request line + headers; larger → 431 ({@code http.header.max})
 * @param maxBodyBytes          body limit of endpoints without their own, enforced while reading → 413 ({@code http.body.max})
 * @param maxConcurrentRequests requests one endpoint serves at once; more → 503 ({@code http.concurrent.max})
 * @param shutdownTimeout       how long a stopping server lets requests in flight finish ({@code http.shutdown.timeout})
 * @param tls                   HTTPS material, or null for plain HTTP
 */
public record HttpSettings(String bind, int maxThreads, int maxConnections, Duration idleTimeout, int maxHeaderBytes,
                           long maxBodyBytes, int maxConcurrentRequests, Duration shutdownTimeout, Tls tls) {

    public static final String BIND = "http.bind";
    public static final String THREADS = "http.threads";
    public static final String CONNECTIONS_MAX = "http.connections.max";
    public static final String IDLE_TIMEOUT = "http.idle.timeout";
    public static final String HEADER_MAX = "http.header.max";
    public static final String BODY_MAX = "http.body.max";
    public static final String CONCURRENT_MAX = "http.concurrent.max";
    public static final String SHUTDOWN_TIMEOUT = "http.shutdown.timeout";
    public static final String TLS_CERT = "http.tls.cert";
    public static final String TLS_KEY = "http.tls.key";
    public static final String TLS_KEYSTORE = "http.tls.keystore";
    public static final String TLS_KEYSTORE_PASSWORD = "http.tls.keystore.password";

    /** The loopback address every listener binds by default. */
    public static final String LOOPBACK = "127.0.0.1";

    /**
     * HTTPS material: a PEM certificate chain + PKCS#8 PEM private key, or a PKCS12 keystore with its password.
     */
    public record Tls(Path certificate, Path privateKey, Path keystore, String keystorePassword) {
        public Tls {
            if (keystore == null && (certificate == null || privateKey == null)) {
                throw new ConfigException(certificate == null ? TLS_CERT : TLS_KEY, null,
                        "HTTPS needs both " + TLS_CERT + " and " + TLS_KEY + " (PEM), or " + TLS_KEYSTORE + " (PKCS12)");
            }
            if (keystore != null && (certificate != null || privateKey != null)) {
                throw new ConfigException(TLS_KEYSTORE, keystore, "give either " + TLS_KEYSTORE + " or "
                        + TLS_CERT + "/" + TLS_KEY + ", not both");
            }
            requireReadable(TLS_CERT, certificate);
            requireReadable(TLS_KEY, privateKey);
            requireReadable(TLS_KEYSTORE, keystore);
        }

        public static Tls pem(Path certificate, Path privateKey) {
            return new Tls(certificate, privateKey, null, null);
        }

        public static Tls pkcs12(Path keystore, String password) {
            return new Tls(null, null, keystore, password);
        }

        private static void requireReadable(String key, Path file) {
            if (file != null && !Files.isReadable(file)) {
                throw new ConfigException(key, file, "no readable file there");
            }
        }

        @Override
        public String toString() {
            return keystore != null ? "PKCS12 " + keystore : "PEM " + certificate + " + " + privateKey;
        }
    }

    private static final ConfigDefinition KEYS = new ConfigDefinition("http")
            .define(BIND, ConfigType.STRING, LOOPBACK, Validator.nonEmpty(),
                    "Address every HTTP listener of the service binds (API, console, operator API, metrics); "
                            + "0.0.0.0 = all interfaces (containers)")
            .define(THREADS, ConfigType.INT, 32, Validator.between(8, 1000), "Worker threads of each HTTP server")
            .define(CONNECTIONS_MAX, ConfigType.INT, 512, Validator.between(1, 100_000),
                    "Open connections of each HTTP server; at the limit it stops accepting until one closes")
            .define(IDLE_TIMEOUT, ConfigType.DURATION, "30s", Validator.between(100, 3_600_000),
                    "An HTTP connection that sends nothing for this long is closed (slow or stalled clients)")
            .define(HEADER_MAX, ConfigType.BYTES, "8KiB", Validator.between(1024, 1 << 20),
                    "Largest request line + headers; larger → 431")
            .define(BODY_MAX, ConfigType.BYTES, "1MiB", Validator.between(1, 1L << 30),
                    "Largest request body of endpoints without their own limit, enforced while reading → 413")
            .define(CONCURRENT_MAX, ConfigType.INT, 64, Validator.between(1, 100_000),
                    "Requests one endpoint serves at once (bodies being read included); more → 503")
            .define(SHUTDOWN_TIMEOUT, ConfigType.DURATION, "5s", Validator.between(0, 600_000),
                    "How long a stopping HTTP server lets requests in flight finish")
            .define(TLS_CERT, ConfigType.PATH, null, "PEM certificate (chain) for HTTPS; with " + TLS_KEY)
            .define(TLS_KEY, ConfigType.PATH, null, "PEM PKCS#8 private key for HTTPS; with " + TLS_CERT)
            .define(TLS_KEYSTORE, ConfigType.PATH, null, "PKCS12 keystore for HTTPS (instead of " + TLS_CERT + "/" + TLS_KEY + ")")
            .define(TLS_KEYSTORE_PASSWORD, ConfigType.STRING, null, Validator.ANY,
                    "Password of " + TLS_KEYSTORE + "; never logged");

    public HttpSettings {
        require(bind != null && !bind.isBlank(), BIND, bind, "an address such as 127.0.0.1");
        KEYS.ensureValid(THREADS, maxThreads);
        KEYS.ensureValid(CONNECTIONS_MAX, maxConnections);
        KEYS.ensureValid(IDLE_TIMEOUT, idleTimeout);
        KEYS.ensureValid(HEADER_MAX, (long) maxHeaderBytes);
        KEYS.ensureValid(BODY_MAX, maxBodyBytes);
        KEYS.ensureValid(CONCURRENT_MAX, maxConcurrentRequests);
        KEYS.ensureValid(SHUTDOWN_TIMEOUT, shutdownTimeout);
    }

    /** A fresh copy of the keys, to {@link ConfigDefinition#include} in a service's definition. */
    public static ConfigDefinition definition() {
        return new ConfigDefinition("http").include(KEYS);
    }

    /** The defaults: loopback, plain HTTP. */
    public static HttpSettings defaults() {
        return from(KEYS.defaults());
    }

    /** The settings of a parsed configuration that includes {@link #definition()}. */
    public static HttpSettings from(Config c) {
        Path cert = c.getPath(TLS_CERT);
        Path key = c.getPath(TLS_KEY);
        Path keystore = c.getPath(TLS_KEYSTORE);
        Tls tls = cert == null && key == null && keystore == null ? null
                : new Tls(cert, key, keystore, c.getString(TLS_KEYSTORE_PASSWORD));
        return new HttpSettings(c.getString(BIND), c.getInt(THREADS), c.getInt(CONNECTIONS_MAX), c.getDuration(IDLE_TIMEOUT),
                (int) c.getBytes(HEADER_MAX), c.getBytes(BODY_MAX), c.getInt(CONCURRENT_MAX),
                c.getDuration(SHUTDOWN_TIMEOUT), tls);
    }

    /** The defaults with some keys replaced (tests, embedded use). */
    public static HttpSettings of(Map<String, ?> values) {
        return from(KEYS.parse(values));
    }

    public HttpSettings withBind(String address) {
        return new HttpSettings(address, maxThreads, maxConnections, idleTimeout, maxHeaderBytes, maxBodyBytes,
                maxConcurrentRequests, shutdownTimeout, tls);
    }

    public HttpSettings withTls(Tls material) {
        return new HttpSettings(bind, maxThreads, maxConnections, idleTimeout, maxHeaderBytes, maxBodyBytes,
                maxConcurrentRequests, shutdownTimeout, material);
    }

    public boolean https() {
        return tls != null;
    }

    private static void require(boolean ok, String key, Object value, String expectation) {
        if (!ok) {
            throw new ConfigException(key, value, "expected " + expectation);
        }
    }
}
