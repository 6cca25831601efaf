package dev.glimpse.platform.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Exports Kafka client metrics to a registry: all of the client's own metrics (Micrometer's
 * {@link KafkaClientMetrics}, e.g. {@code glimpse_kafka_consumer_fetch_manager_records_lag_max}) and, for consumers,
 * one simple gauge {@code glimpse_consumer_lag_records{stage}} = the largest partition lag of this consumer.
 * Close the returned handle when the client is closed.
 */
public final class KafkaClientMeters {

    public static final String CONSUMER_LAG = "glimpse.consumer.lag.records";

    private KafkaClientMeters() {
    }

    public static AutoCloseable bind(MeterRegistry registry, Consumer<?, ?> consumer, String stage) {
        KafkaClientMetrics all = new KafkaClientMetrics(consumer, Tags.of("stage", stage));
        all.bindTo(registry);
        Gauge lag = Gauge.builder(CONSUMER_LAG, consumer, KafkaClientMeters::recordsLagMax)
                .description("Largest lag in records over the partitions this consumer owns (NaN before the first fetch)")
                .tag("stage", stage)
                .tag("client", clientId(consumer))
                .register(registry);
        return () -> {
            registry.remove(lag);
            all.close();
        };
    }

    public static AutoCloseable bind(MeterRegistry registry, Producer<?, ?> producer, String stage) {
        KafkaClientMetrics all = new KafkaClientMetrics(producer, Tags.of("stage", stage));
        all.bindTo(registry);
        return all::close;
    }

    /** {@code records-lag-max} of the consumer's fetch manager, the client-level (not per-partition) value. */
    public static double recordsLagMax(Consumer<?, ?> consumer) {
        for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.name().equals("records-lag-max") && name.group().equals("consumer-fetch-manager-metrics")
                    && !name.tags().containsKey("topic")) {
                Object value = e.getValue().metricValue();
                if (value instanceof Number n) {
                    double v = n.doubleValue();
                    return Double.isInfinite(v) ? Double.NaN : v;
                }
            }
        }
        return Double.NaN;
    }

    private static String clientId(Consumer<?, ?> consumer) {
        for (MetricName name : consumer.metrics().keySet()) {
            String id = name.tags().get("client-id");
            if (id != null) {
                return id;
            }
        }
        return "unknown";
    }
}
