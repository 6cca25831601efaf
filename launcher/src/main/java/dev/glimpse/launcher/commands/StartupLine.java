package dev.glimpse.launcher.commands;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.PlatformConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A service's start-up line: what it runs with, as effective values (after defaults, file, environment, -c and flags),
 * so that a newcomer sees which broker, directories and model were picked without reading the configuration.
 */
final class StartupLine {

    private final String service;
    private final List<String> settings = new ArrayList<>();

    private StartupLine(String service) {
        this.service = service;
    }

    /** Starts with the Kafka bootstrap servers and the topic prefix every service has. */
    static StartupLine of(String service, Config config) {
        String prefix = config.getString(PlatformConfig.TOPIC_PREFIX);
        return new StartupLine(service).add("Kafka", config.getString(PlatformConfig.BOOTSTRAP_SERVERS))
                .add("topic prefix", prefix.isEmpty() ? "(none)" : "'" + prefix + "'");
    }

    StartupLine add(String name, Object value) {
        settings.add(name + " " + value);
        return this;
    }

    /** A directory, absolute: a relative one depends on where the command was started. */
    StartupLine dir(String name, Path dir) {
        return add(name, dir.toAbsolutePath().normalize());
    }

    @Override
    public String toString() {
        return service + " running: " + String.join(", ", settings);
    }
}
