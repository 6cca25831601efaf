package dev.glimpse.platform.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * The check a service makes before it starts its Kafka clients: can it reach the cluster, and does the cluster
 * accept its protocol and credentials? It answers within the given time with one sentence ({@link
 * ClusterUnavailableException}) instead of clients retrying for ever and logging a warning per attempt.
 * First a plain TCP connection to a bootstrap server (no Kafka client, no log lines while the broker is down), then
 * one admin request over the configured security protocol.
 */
public final class ClusterCheck {

    private static final Duration TCP_ATTEMPT = Duration.ofMillis(500);

    private ClusterCheck() {
    }

    /**
     * Returns when the cluster answers; the admin request runs with the clients' security settings.
     *
     * @param timeout how long to keep trying ({@code kafka.connect.timeout})
     * @throws ClusterUnavailableException one sentence saying what failed: unreachable, credentials refused, TLS
     *                                     handshake failed, or no Kafka answer within the time
     */
    public static void require(KafkaClients clients, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String servers = clients.bootstrapServers();
        awaitTcp(servers, deadline, timeout);
        Map<String, Object> admin = Map.of(
                // one reconnect attempt per second at most: a protocol mismatch must not flood the log
                CommonClientConfigs.RECONNECT_BACKOFF_MS_CONFIG, 1000,
                CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000,
                CommonClientConfigs.RETRY_BACKOFF_MS_CONFIG, 500);
        String protocol = String.valueOf(clients.commonProperties()
                .getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT"));
        long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        try (Admin a = clients.admin("glimpse-cluster-check", admin)) {
            a.describeCluster(new DescribeClusterOptions().timeoutMs((int) Math.min(Integer.MAX_VALUE, remaining)))
                    .clusterId().get(remaining + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(servers, protocol, timeout, e.getCause());
        } catch (TimeoutException e) {
            throw failure(servers, protocol, timeout, e);
        } catch (AuthenticationException | AuthorizationException e) {
            throw failure(servers, protocol, timeout, e);
        }
    }

    private static ClusterUnavailableException failure(String servers, String protocol, Duration timeout, Throwable cause) {
        if (cause instanceof SaslAuthenticationException) {
            return new ClusterUnavailableException("Kafka at " + servers + " refused the SASL credentials ("
                    + firstLine(cause) + "): check kafka.sasl.username, kafka.sasl.password and kafka.sasl.mechanism");
        }
        if (cause instanceof SslAuthenticationException) {
            return new ClusterUnavailableException("TLS handshake with Kafka at " + servers + " failed (" + rootMessage(cause)
                    + "): check kafka.ssl.truststore.location and the brokers' certificates");
        }
        if (cause instanceof AuthenticationException) {
            return new ClusterUnavailableException("Kafka at " + servers + " refused to authenticate this client ("
                    + firstLine(cause) + ")");
        }
        if (cause instanceof AuthorizationException) {
            return new ClusterUnavailableException("Kafka at " + servers + " does not allow this client to describe the "
                    + "cluster (" + firstLine(cause) + "): check its ACLs");
        }
        return new ClusterUnavailableException("Kafka at " + servers + " accepts connections but did not answer over "
                + protocol + " within " + seconds(timeout) + " (kafka.connect.timeout): check kafka.security.protocol");
    }

    /** Waits until a TCP connection to one of the bootstrap servers succeeds. */
    private static void awaitTcp(String servers, long deadline, Duration timeout) throws InterruptedException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String hostPort : servers.split(",")) {
            String hp = hostPort.trim();
            int colon = hp.lastIndexOf(':');
            if (colon <= 0) {
                throw new ClusterUnavailableException("bootstrap server '" + hp + "' is not host:port");
            }
            String host = hp.substring(0, colon).replace("[", "").replace("]", "");
            addresses.add(InetSocketAddress.createUnresolved(host, Integer.parseInt(hp.substring(colon + 1))));
        }
        String last = "";
        while (true) {
            for (InetSocketAddress a : addresses) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(a.getHostString(), a.getPort()), (int) TCP_ATTEMPT.toMillis());
                    return;
                } catch (IOException e) {
                    last = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new ClusterUnavailableException("cannot reach Kafka at " + servers + " within " + seconds(timeout)
                        + " (" + last + "; kafka.connect.timeout sets how long to wait)");
            }
            Thread.sleep(200);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return firstLine(root);
    }

    /** The cluster cannot be used; the message is the one line to print. */
    public static final class ClusterUnavailableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public ClusterUnavailableException(String message) {
            super(message);
        }
    }
}
