package dev.glimpse.launcher.demo;

import dev.glimpse.platform.kafka.EmbeddedKafkaCluster;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's built-in broker-loss drill: once the run has done {@code killAt} events, stops the node that leads the
 * most partitions (no controlled shutdown, as a crash looks to its peers) and, when asked, starts it again
 * {@code restartAfterSeconds} later on its data directory.
 */
public final class BrokerChaos implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BrokerChaos.class);

    private final EmbeddedKafkaCluster cluster;
    private final long killAt;
    private final double restartAfterSeconds;
    private final LongSupplier events;
    private final Thread thread;
    private volatile String report;
    private volatile boolean closed;

    /**
     * @param restartAfterSeconds seconds until the node is started again, negative = it stays down
     * @param events              the run's events done so far
     */
    public BrokerChaos(EmbeddedKafkaCluster cluster, long killAt, double restartAfterSeconds, LongSupplier events) {
        if (cluster.size() < 2) {
            throw new IllegalArgumentException("--kill-broker-at needs --brokers 2 or more (a one-node cluster has no broker to spare)");
        }
        this.cluster = cluster;
        this.killAt = killAt;
        this.restartAfterSeconds = restartAfterSeconds;
        this.events = events;
        this.thread = new Thread(this::run, "glimpse-demo-chaos");
        thread.setDaemon(true);
    }

    public BrokerChaos start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (!closed && events.getAsLong() < killAt) {
                Thread.sleep(5);
            }
            if (closed) {
                return;
            }
            long at = events.getAsLong();
            int victim = cluster.leaderOfMostPartitions();
            int led = cluster.partitionsLedBy(victim);
            long t0 = System.nanoTime();
            cluster.stopNode(victim);
            double stopSeconds = (System.nanoTime() - t0) / 1e9;
            report = String.format(Locale.ROOT, "chaos: killed broker %d at event %d (leader of %d partitions; stopped in %.1f s)",
                    victim, at, led, stopSeconds);
            log.info(report);
            if (restartAfterSeconds < 0) {
                report += ", not restarted";
                return;
            }
            long down = System.nanoTime();
            while (!closed && System.nanoTime() - down < (long) (restartAfterSeconds * 1e9)) {
                Thread.sleep(20);
            }
            if (closed) {
                report += ", not restarted (the run ended first)";
                return;
            }
            long atRestart = events.getAsLong();
            long t1 = System.nanoTime();
            cluster.restartNode(victim);
            report += String.format(Locale.ROOT, ", restarted after %.1f s at event %d (up in %.1f s)",
                    (t1 - down) / 1e9, atRestart, (System.nanoTime() - t1) / 1e9);
            log.info(report);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            report = "chaos: failed: " + e.getMessage();
            log.error("broker chaos failed", e);
        }
    }

    /** The chaos line of the summary; empty when the run ended before the kill. */
    public Optional<String> summaryLine() {
        return Optional.ofNullable(report).or(() -> Optional.of("chaos: no broker killed (the run ended before event " + killAt + ")"));
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
