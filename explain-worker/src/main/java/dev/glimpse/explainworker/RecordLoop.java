package dev.glimpse.explainworker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's thread: polls {@code predictions}, takes the queued on-demand requests, and hands both to an
 * {@link ExplainTransaction}; records the consumer's progress after every poll. It stops on {@link #stop()}, on
 * being fenced by another instance with the same id, or on an error, which {@link #failure()} then holds.
 */
final class RecordLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(RecordLoop.class);

    private final ExplainWorkerConfig config;
    private final ExplainTransaction transaction;
    private final ConsumerProgress progress;
    private final Queue<OnDemandRequest> requests;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running = true;
    private volatile Throwable failure;

    RecordLoop(ExplainWorkerConfig config, ExplainTransaction transaction, ConsumerProgress progress,
               Queue<OnDemandRequest> requests) {
        this.config = config;
        this.transaction = transaction;
        this.progress = progress;
        this.requests = requests;
        this.consumer = ExplainKafkaClients.consumer(config);
    }

    boolean running() {
        return running;
    }

    Throwable failure() {
        return failure;
    }

    /** Asks the loop to end after the current transaction (wakes a blocked poll). */
    void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        KafkaProducer<byte[], byte[]> producer = null;
        try {
            producer = ExplainKafkaClients.transactionalProducer(config);
            producer.initTransactions();
            consumer.subscribe(List.of(config.catalog().predictions().name()));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(config.maxWait());
                progress.update(consumer);
                List<OnDemandRequest> due = new ArrayList<>();
                for (OnDemandRequest d; (d = requests.poll()) != null; ) {
                    due.add(d);
                }
                if (records.isEmpty() && due.isEmpty()) {
                    progress.idle();
                    continue;
                }
                progress.busy();
                transaction.process(producer, consumer, records, due);
            }
        } catch (WakeupException e) {
            // stopping
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            failure = e;
            LOG.error("explain worker {} was fenced by another instance with the same id; stopping", config.instanceId());
        } catch (Throwable e) {
            failure = e;
            LOG.error("explain worker {} stopped: {}", config.instanceId(), e.toString(), e);
        } finally {
            running = false;
            // Close without committing: an open transaction is aborted by the broker or by the next instance.
            if (producer != null) {
                producer.close(Duration.ZERO);
            }
            // a static member stays in the group on close unless told to leave: leave, so the partitions move to
            // the other workers now rather than after the session timeout
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(1))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            for (OnDemandRequest d; (d = requests.poll()) != null; ) {
                d.done().completeExceptionally(new IllegalStateException("explain worker stopped"));
            }
        }
    }
}
