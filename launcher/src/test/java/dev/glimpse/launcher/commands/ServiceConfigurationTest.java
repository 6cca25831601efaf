package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.console.ConsoleConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.explainworker.ExplainWorkerConfig;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** How the service commands merge defaults, --config FILE, GLIMPSE_ variables, -c and flags. */
class ServiceConfigurationTest {

    @TempDir
    Path dir;

    /** The ingest command parsed from {@code args} with {@code env} as its environment. */
    private static Config ingest(Map<String, String> env, String... args) {
        IngestCommand command = new IngestCommand();
        new CommandLine(command).parseArgs(args);
        command.service.environment = env;
        return command.sources().parse();
    }

    private Path file(String text) throws IOException {
        Path f = dir.resolve("glimpse.properties");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void shouldUseTheServicesOwnMetricsPortWhenNothingElseIsGiven() {
        assertEquals(9401, ingest(Map.of()).getInt(PlatformConfig.METRICS_PORT));
    }

    @Test
    void shouldLetMinusCWinOverTheMetricsPortFlagsDefault() {
        // When -c sets metrics.port and --metrics-port is not typed
        Config config = ingest(Map.of(), "-c", "metrics.port=7001");

        // Then the flag's default (9401) does not override it
        assertEquals(7001, config.getInt(PlatformConfig.METRICS_PORT));
    }

    @Test
    void shouldLetATypedMetricsPortWinOverMinusC() {
        Config config = ingest(Map.of(), "-c", "metrics.port=7001", "--metrics-port", "7002");

        assertEquals(7002, config.getInt(PlatformConfig.METRICS_PORT));
    }

    @Test
    void shouldRankFileEnvironmentMinusCAndFlagsInThatOrder() throws IOException {
        String f = file("metrics.port=7100\ningest.dataset.rate=5\ningest.http.port=7200\ningest.dataset.limit=9\n").toString();
        Map<String, String> env = Map.of("GLIMPSE_METRICS_PORT", "7101", "GLIMPSE_INGEST_DATASET_RATE", "6");

        // file alone beats the defaults
        assertEquals(7100, ingest(Map.of(), "--config", f).getInt(PlatformConfig.METRICS_PORT));
        // the environment beats the file
        Config withEnv = ingest(env, "--config", f);
        assertEquals(7101, withEnv.getInt(PlatformConfig.METRICS_PORT));
        assertEquals(6.0, withEnv.getDouble("ingest.dataset.rate"));
        assertEquals(7200, withEnv.getInt("ingest.http.port"), "the file still gives what nothing above it gives");
        // -c beats the environment
        Config withC = ingest(env, "--config", f, "-c", "ingest.dataset.rate=7");
        assertEquals(7.0, withC.getDouble("ingest.dataset.rate"));
        // a typed flag beats -c; an untyped flag's default beats nothing
        Config withFlag = ingest(env, "--config", f, "-c", "ingest.dataset.rate=7", "--rate", "8");
        assertEquals(8.0, withFlag.getDouble("ingest.dataset.rate"));
        assertEquals(9L, withFlag.getLong("ingest.dataset.limit"), "--limit's default 0 does not hide the file's 9");
    }

    @Test
    void shouldIgnoreGlimpseVariablesThatAreNoKeyOfTheService() {
        Config config = ingest(Map.of("GLIMPSE_JAVA_OPTS", "-Xmx1g", "GLIMPSE_TOKEN", "t0ken-t0ken",
                "GLIMPSE_INFERENCE_TOP_K", "not-a-number", "GLIMPSE_TOPICS_PREFIX", "env-"));

        assertEquals("env-", config.getString(PlatformConfig.TOPIC_PREFIX));
    }

    @Test
    void shouldNameTheFileAndTheKeyOfABadValueInTheFile() throws IOException {
        Path f = file("monitoring.alpha=often\n");

        Result r = run("monitoring", "--bootstrap-servers", "127.0.0.1:1", "--config", f.toString());

        assertEquals(ServiceOptions.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains(f.toString()) && r.err().contains("'monitoring.alpha'") && r.err().contains("'often'"),
                r.err());
    }

    @Test
    void shouldRefuseAnUnknownKeyInTheFileNamingIt() throws IOException {
        Path f = file("metrics.prot=1\n");

        Result r = run("ingest", "--config", f.toString());

        assertEquals(ServiceOptions.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains(f.toString()) && r.err().contains("'metrics.prot'"), r.err());
    }

    @Test
    void shouldRejectBadMonitoringExplainWorkerAndConsoleValuesNamingTheKey() {
        assertRefused("monitoring", MonitoringConfig.MMD_PERMUTATIONS, "99", "--bootstrap-servers", "127.0.0.1:1");
        assertRefused("monitoring", "streams.num.threads", "0", "--bootstrap-servers", "127.0.0.1:1");
        assertRefused("explain-worker", ExplainWorkerConfig.BATCH_MAX, "0", "--bootstrap-servers", "127.0.0.1:1",
                "--model", "m.onnx");
        assertRefused("explain-worker", ExplainWorkerConfig.POLICY, "sometimes", "--bootstrap-servers", "127.0.0.1:1",
                "--model", "m.onnx");
        assertRefused("explain-worker", ConsoleConfig.CARDS, "0", "--bootstrap-servers", "127.0.0.1:1", "--model", "m.onnx");
        assertRefused("training", TrainingServiceConfig.EPOCHS, "0", "--bootstrap-servers", "127.0.0.1:1");
    }

    @Test
    void shouldMakeAWindowSizeAloneTumbling() {
        MonitoringCommand command = new MonitoringCommand();
        new CommandLine(command).parseArgs("-c", MonitoringConfig.WINDOW_SIZE_MS + "=5000");
        command.service.environment = Map.of();

        Config config = command.sources().parse();

        assertEquals(5000L, config.getLong(MonitoringConfig.WINDOW_HOP_MS));
    }

    @Test
    void shouldReadTheExplainWorkerAndConsoleKeysFromTheirSources() {
        ExplainWorkerCommand command = new ExplainWorkerCommand();
        new CommandLine(command).parseArgs("--model", "m.onnx", "-c", ConsoleConfig.CARDS + "=40",
                "-c", ExplainWorkerConfig.DEVICE + "=auto");
        command.service.environment = Map.of("GLIMPSE_CONSOLE_TOKEN", "console-t0ken", "GLIMPSE_EXPLAIN_BATCH_MAX", "3");

        Config config = command.sources().parse();

        assertEquals(40, config.getInt(ConsoleConfig.CARDS));
        assertEquals("auto", config.getString(ExplainWorkerConfig.DEVICE), "--device's default cpu does not hide -c");
        assertEquals("console-t0ken", config.getString(BearerAuth.TOKEN), "the console's variable names the one token key");
        assertEquals(3, config.getInt(ExplainWorkerConfig.BATCH_MAX));
        assertEquals(9403, config.getInt(PlatformConfig.METRICS_PORT));
    }

    @Test
    void shouldReadTheOperatorTokenFromItsOlderVariableUnlessTyped() throws IOException {
        String model = Files.createFile(dir.resolve("m.onnx")).toString();
        TrainingCommand command = new TrainingCommand();
        new CommandLine(command).parseArgs("--data-dir", dir.toString(), "--model", model);
        command.service.environment = Map.of(TrainingCommand.API_TOKEN_VARIABLE, "from-env-token");
        assertEquals("from-env-token", command.sources().parse().getString(TrainingServiceConfig.API_TOKEN));

        TrainingCommand typed = new TrainingCommand();
        new CommandLine(typed).parseArgs("--data-dir", dir.toString(), "--model", model, "--token", "typed-token");
        typed.service.environment = Map.of(TrainingCommand.API_TOKEN_VARIABLE, "from-env-token");
        assertEquals("typed-token", typed.sources().parse().getString(TrainingServiceConfig.API_TOKEN));
    }

    @Test
    void shouldTakeTheTokenFileTheSharedVariableAndNoAuthOnEveryServiceWithWriteEndpoints() {
        IngestCommand file = new IngestCommand();
        new CommandLine(file).parseArgs("--token-file", "/run/secrets/glimpse-token", "--bind", "0.0.0.0");
        Config fromFile = file.sources().parse();
        assertEquals(Path.of("/run/secrets/glimpse-token"), fromFile.getPath(BearerAuth.TOKEN_FILE));
        assertEquals("0.0.0.0", fromFile.getString(HttpSettings.BIND));
        assertTrue(fromFile.getBoolean(BearerAuth.ENABLED), "auth is on by default");

        IngestCommand env = new IngestCommand();
        new CommandLine(env).parseArgs();
        env.service.environment = Map.of(BearerAuth.TOKEN_VARIABLE, "shared-env-token");
        assertEquals("shared-env-token", env.sources().parse().getString(BearerAuth.TOKEN));

        IngestCommand off = new IngestCommand();
        new CommandLine(off).parseArgs("--no-auth");
        assertFalse(off.sources().parse().getBoolean(BearerAuth.ENABLED));
    }

    @Test
    void shouldPrintTheExplainWorkerReferenceWithTheConsoleKeys() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Glimpse.commandLine().execute("explain-worker", "--config-reference"));
        } finally {
            System.setOut(out);
        }
        String md = captured.toString(StandardCharsets.UTF_8);
        assertTrue(md.contains("| `explain.batch.max` | int | 8 |"), md);
        assertTrue(md.contains("| `console.port` | int | 8080 |"), md);
        assertTrue(md.contains("| `metrics.port` | int | 9403 |"), md);
        assertFalse(md.contains("monitoring."), md);
    }

    private static void assertRefused(String command, String key, String value, String... args) {
        String[] all = new String[args.length + 3];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "-c";
        all[args.length + 2] = key + "=" + value;

        Result r = run(all);

        assertEquals(ServiceOptions.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains("'" + key + "'") && r.err().contains("'" + value + "'"), r.err());
    }

    private record Result(int exit, String err) {
    }

    private static Result run(String... args) {
        CommandLine cli = Glimpse.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, err.toString());
    }
}
