package dev.glimpse.launcher.commands;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.kafka.ClusterCheck;

/**
 * A service command's first contact with its Kafka cluster: when the cluster cannot be reached within
 * {@code kafka.connect.timeout}, or refuses the configured protocol or credentials, the command prints one line
 * {@code "<service>: <what failed>"} and exits with {@link ServiceOptions#BAD_CONFIG} before any service starts.
 */
final class ClusterStartup {

    private ClusterStartup() {
    }

    /** True when the cluster answers; false after printing the one line. */
    static boolean reachable(String service, Config config) throws InterruptedException {
        try {
            ClusterCheck.require(PlatformConfig.kafkaClients(config), KafkaKeys.connectTimeout(config));
            return true;
        } catch (ClusterCheck.ClusterUnavailableException | IllegalArgumentException e) {
            System.err.println(service + ": " + e.getMessage());
            return false;
        }
    }
}
