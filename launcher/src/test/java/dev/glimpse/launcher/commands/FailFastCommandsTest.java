package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.launcher.Glimpse;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The common mistakes at start end every service command with one line and exit code 2, within the configured
 * time: no broker at the address (not thousands of client warnings), and a model path that does not exist.
 */
class FailFastCommandsTest {

    /** A model with its preprocessing contract (the inference worker loads its model before checking Kafka). */
    private static final String MODEL = Path.of("..", "models", "fashion-mnist-first-five", "model.onnx").toString();

    @TempDir
    static Path dataDir;

    static Stream<Arguments> services() {
        return Stream.of(
                Arguments.of("ingest", List.of("--metrics-port", "-1", "--no-auth")),
                Arguments.of("inference", List.of("--model", MODEL, "--device", "cpu", "--metrics-port", "-1")),
                Arguments.of("explain-worker", List.of("--model", MODEL, "--metrics-port", "-1", "--console-port", "-1")),
                Arguments.of("training", List.of("--model", MODEL, "--metrics-port", "-1", "--data-dir", dataDir.toString())),
                Arguments.of("monitoring", List.of("--metrics-port", "-1", "--state-dir", dataDir.resolve("m").toString())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void shouldExitWithOneLineWithinTheConnectTimeoutWhenNoBrokerListens(String service, List<String> options) throws Exception {
        // Given an address nothing listens on and a 2-second connect timeout
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> args = new ArrayList<>(List.of(service, "--bootstrap-servers", "127.0.0.1:" + port,
                "-c", "kafka.connect.timeout=2s"));
        args.addAll(options);

        // When the command starts
        long t0 = System.nanoTime();
        Result r = run(args);
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;

        // Then it exits 2 after about the timeout (plus loading a model), with one line naming the address
        assertEquals(2, r.exit(), r.out());
        assertTrue(seconds < 30, "gave up after " + seconds + " s");
        List<String> lines = r.out().lines().filter(l -> l.startsWith(service + ":")).toList();
        assertEquals(1, lines.size(), r.out());
        assertTrue(lines.get(0).contains("cannot reach Kafka at 127.0.0.1:" + port), lines.get(0));
        assertTrue(r.out().lines().count() < 10, "no flood of client lines:\n" + r.out());
    }

    static Stream<Arguments> modelCommands() {
        return Stream.of(
                Arguments.of("inference", List.of("--model", "no/such/model.onnx", "--metrics-port", "-1")),
                Arguments.of("explain-worker", List.of("--model", "no/such/model.onnx", "--metrics-port", "-1", "--console-port", "-1")),
                Arguments.of("training", List.of("--model", "no/such/model.onnx", "--metrics-port", "-1",
                        "--data-dir", dataDir.toString())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modelCommands")
    void shouldExitWithOneLineNamingAModelThatDoesNotExist(String service, List<String> options) throws Exception {
        List<String> args = new ArrayList<>(List.of(service, "--bootstrap-servers", "127.0.0.1:1"));
        args.addAll(options);

        Result r = run(args);

        assertEquals(2, r.exit(), r.out());
        assertTrue(r.out().contains("no/such/model.onnx"), r.out());
        assertEquals(1, r.out().lines().filter(l -> !l.isBlank()).count(), "one line:\n" + r.out());
        assertFalse(r.out().contains("\tat "), "no stack trace");
    }

    private record Result(int exit, String out) {
    }

    /**
     * Runs {@code ./glimpse <args>} as the script does, in a JVM of its own (so that what the user sees is what is
     * checked: stdout and stderr together, the launcher's own logging set-up); at most 90 s.
     */
    private static Result run(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // the glimpse script's stack size: ONNX Runtime's native code overflows the default one
                "-Xss16m", "-Xmx1g", "-cp", System.getProperty("java.class.path"), Glimpse.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running after 90 s: " + args);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
