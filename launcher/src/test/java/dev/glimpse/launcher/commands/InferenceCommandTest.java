package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.glimpse.launcher.Glimpse;
import dev.glimpse.runtime.OrtSessions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InferenceCommandTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldFailAtStartNamingCudaWhenStrictCudaIsAskedWithoutIt() {
        assumeFalse(OrtSessions.cudaProviderPresent(), "this ONNX Runtime build has CUDA; strict failure is not observable");
        CommandLine cli = Glimpse.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));

        // no broker is needed: the model is loaded on the device before any Kafka client is created
        int code = cli.execute("inference", "--bootstrap-servers", "127.0.0.1:1", "--device", "cuda",
                "--metrics-port", "0", "--data-dir", dataDir.toString());

        assertNotEquals(0, code);
        assertTrue(err.toString().contains("CUDA execution provider"), err.toString());
    }

    @Test
    void shouldRefuseAnUnknownDeviceQuotingIt() {
        CommandLine cli = Glimpse.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("inference", "--bootstrap-servers", "127.0.0.1:1", "--device", "tpu",
                "--metrics-port", "0", "--data-dir", dataDir.toString());
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("'tpu'"), err.toString());
    }
}
