package dev.glimpse.launcher.commands;

import static dev.glimpse.launcher.commands.ModelsImportCommandTest.glimpse;
import static dev.glimpse.launcher.commands.ModelsImportCommandTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.launcher.commands.ModelsImportCommandTest.Run;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No silent defaults: demo --model, explain (on an image) and finetune refuse a model without a contract, exit 2, one line. */
class ModelContractRefusalTest {

    @Test
    void shouldRefuseAModelWithoutContractInEveryCommandThatFeedsItImages(@TempDir Path dir) {
        String raw = resource("mobilenet_v2_w010_raw.onnx").toString();
        String image = Path.of("..", "runtime", "src", "test", "resources", "preprocess-golden", "images", "rgb_64x64.png").toString();
        List<List<String>> commands = List.of(
                List.of("demo", "--model", raw, "--events", "10", "--data-dir", dir.resolve("data").toString()),
                List.of("explain", "--model", raw, "--input", image, "--method", "gradcam", "--out", dir.resolve("o").toString()),
                List.of("finetune", "--model", raw, "--dataset", "shapes", "--epochs", "1", "--out", dir.resolve("ft.onnx").toString()));
        for (List<String> command : commands) {
            Run r = glimpse(command.toArray(String[]::new));
            assertEquals(2, r.code(), command + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), command + ": one line, no stack trace: " + r.err());
            assertTrue(r.err().contains("has no preprocessing contract (missing glimpse.input.colour")
                    && r.err().contains("./glimpse models import --model " + raw), r.err());
        }
    }
}
