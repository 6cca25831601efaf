package dev.glimpse.launcher;

import java.util.List;

/**
 * Kafka's own log lines (every client's configuration, every broker state change) are for services that run for
 * hours; a command that prints its own summary (the demo, tail, deadletters) keeps only Kafka's errors. A level set
 * by the user ({@code -Dorg.slf4j.simpleLogger.log.<logger>=...}) wins. Call before the first Kafka class logs.
 */
public final class KafkaLogs {

    private KafkaLogs() {
    }

    public static void errorsOnly() {
        for (String logger : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            System.setProperty(key, System.getProperty(key, "error"));
        }
    }
}
