package dev.glimpse.platform.kafka;

import java.nio.file.Path;
import java.util.Optional;

/** An embedded cluster's data directory is held by another cluster (this process or another one, e.g. a demo). */
public final class DataDirInUseException extends IllegalStateException {

    private final transient Optional<String> bootstrapServers;

    DataDirInUseException(Path dir, Optional<String> bootstrapServers) {
        super("the Kafka data directory '" + dir + "' is in use by another Glimpse process (a running demo?)"
                + bootstrapServers.map(b -> "; its cluster serves clients at " + b).orElse(""));
        this.bootstrapServers = bootstrapServers;
    }

    /** Where the cluster holding the directory serves clients, when it said so. */
    public Optional<String> bootstrapServers() {
        return bootstrapServers;
    }
}
