package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Start-up lines state the effective settings: the directories actually used, the broker, the prefix. */
class StartupLineTest {

    @TempDir
    Path dir;

    private static TrainingServiceConfig training(String... args) {
        TrainingCommand command = new TrainingCommand();
        new CommandLine(command).parseArgs(args);
        command.service.environment = Map.of();
        return command.sources().parse(TrainingServiceConfig::parse);
    }

    @Test
    void shouldKeepTheTrainingStoreInTheDataDirAndNameItInTheStartupLine() {
        // Given --data-dir only (as for the demo, whose store is DIR/models)
        TrainingServiceConfig config = training("--data-dir", dir.toString(), "--bootstrap-servers", "kafka:9092",
                "--topic-prefix", "staging.");

        // Then the store is DIR/models (it was data/models whatever --data-dir said) and the line names it in full
        assertEquals(dir.resolve("models"), config.storeDir());
        String line = TrainingCommand.startupLine(config, "v3");
        assertTrue(line.startsWith("training service running: Kafka kafka:9092, topic prefix 'staging.', "), line);
        assertTrue(line.contains("store " + dir.resolve("models").toAbsolutePath()), line);
        assertTrue(line.contains("Streams state " + dir.resolve("training-streams").toAbsolutePath()), line);
        assertTrue(line.contains("(serving v3)"), line);
    }

    @Test
    void shouldNameTheStoreDirGivenExplicitly() {
        Path store = dir.resolve("elsewhere");
        TrainingServiceConfig config = training("--data-dir", dir.toString(), "--store-dir", store.toString());
        assertEquals(store, config.storeDir());
        assertTrue(TrainingCommand.startupLine(config, "-").contains("store " + store.toAbsolutePath()));
    }

    @Test
    void shouldShowRelativeDirectoriesAbsolute() {
        var config = PlatformConfig.common().parse(Map.of());
        String line = StartupLine.of("svc", config).dir("data", Path.of("data")).toString();
        assertEquals("svc running: Kafka 127.0.0.1:9092, topic prefix (none), data "
                + Path.of("data").toAbsolutePath().normalize(), line);
    }
}
