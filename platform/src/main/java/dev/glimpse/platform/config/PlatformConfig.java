package dev.glimpse.platform.config;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.http.HttpSettings;

/** Keys every service shares: where Kafka is, which topics, where metrics are served, how HTTP listeners are kept. */
public final class PlatformConfig {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String TOPIC_PREFIX = "topics.prefix";
    public static final String TOPIC_PARTITIONS = "topics.partitions";
    public static final String METRICS_PORT = "metrics.port";

    private PlatformConfig() {
    }

    /** The common keys with the shared metrics port 9400 (the demo's). */
    public static ConfigDefinition common() {
        return common(9400);
    }

    /**
     * A fresh definition holding the common keys, to {@link ConfigDefinition#include} in a service's definition.
     *
     * @param metricsPort the service's own default metrics port, so that services on one host do not collide
     */
    public static ConfigDefinition common(int metricsPort) {
        return new ConfigDefinition("common")
                .define(BOOTSTRAP_SERVERS, ConfigType.STRING, "127.0.0.1:9092", Validator.hostPorts(),
                        "Kafka bootstrap servers")
                .define(TOPIC_PREFIX, ConfigType.STRING, "", "Prefix of every topic name (several deployments on one cluster)")
                .define(TOPIC_PARTITIONS, ConfigType.INT, TopicCatalog.DEFAULT_PARTITIONS, Validator.between(1, 1000),
                        "Partitions of the per-image topics when Glimpse creates them")
                .define(METRICS_PORT, ConfigType.INT, metricsPort, Validator.between(-1, 65535),
                        "Port of the /metrics and /health HTTP endpoint (0 = any free port, -1 = off)")
                .include(HttpSettings.definition());
    }

    public static TopicCatalog catalog(Config config) {
        return new TopicCatalog(config.getString(TOPIC_PREFIX), config.getInt(TOPIC_PARTITIONS));
    }
}
