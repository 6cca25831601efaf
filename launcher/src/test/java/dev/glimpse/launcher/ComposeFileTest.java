package dev.glimpse.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.launcher.commands.ConfigurableCommand;
import dev.glimpse.platform.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * docker-compose.yml cannot be started here (no Docker engine), so it is checked against the code: every Glimpse
 * service runs a real {@code ./glimpse} command that parses, publishes only ports it listens on, sets only
 * environment variables it reads, and mounts only paths it uses; Prometheus scrapes each on its metrics port.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern SHELL_VAR = Pattern.compile("\\$\\{?([A-Z_][A-Z0-9_]*)");
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)");
    private static final Set<String> PORT_OPTIONS = Set.of("--metrics-port", "--http-port", "--console-port");

    private static JsonNode compose;
    private static Map<String, JsonNode> glimpseServices;
    private static String workdir;

    @BeforeAll
    static void readComposeFile() throws Exception {
        compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
        glimpseServices = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = compose.path("services").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().path("image").asText().startsWith("glimpse:")) {
                glimpseServices.put(e.getKey(), e.getValue());
            }
        }
        Matcher w = Pattern.compile("(?m)^WORKDIR\\s+(\\S+)\\s*$").matcher(Files.readString(ROOT.resolve("Dockerfile")));
        String last = null;
        while (w.find()) {
            last = w.group(1);
        }
        workdir = last;
    }

    @Test
    void shouldRunEveryServiceOfTheDataFlowFromTheGlimpseImage() {
        assertEquals(Set.of("ingest", "inference-worker", "inference-worker-gpu", "explain-worker", "training-service",
                "monitoring"), glimpseServices.keySet());
        assertTrue(compose.path("services").has("kafka") && compose.path("services").has("prometheus")
                && compose.path("services").has("grafana"));
        assertEquals("/app", workdir, "relative paths of the commands resolve against the image's WORKDIR");
    }

    @Test
    void shouldRunARealGlimpseSubcommandWhoseArgumentsParse() {
        for (Map.Entry<String, JsonNode> e : glimpseServices.entrySet()) {
            List<String> args = command(e.getValue());
            CommandLine cli = Glimpse.commandLine();
            assertTrue(cli.getSubcommands().containsKey(args.get(0)),
                    e.getKey() + ": '" + args.get(0) + "' is not a ./glimpse command; commands: " + cli.getSubcommands().keySet());
            try {
                cli.parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.ParameterException ex) {
                fail(e.getKey() + ": ./glimpse " + String.join(" ", args) + " does not parse: " + ex.getMessage());
            }
            assertEquals(brokerListeners(), Set.of(optionValue(cli, args, "--bootstrap-servers").split(",")),
                    e.getKey() + " must list every compose broker's PLAINTEXT listener (one broker down must not cut"
                            + " a starting client off the cluster)");
        }
    }

    /** The PLAINTEXT listener every Kafka service of the compose file advertises, e.g. {@code kafka-2:9092}. */
    private static Set<String> brokerListeners() {
        Set<String> listeners = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = compose.path("services").fields(); it.hasNext(); ) {
            JsonNode service = it.next().getValue();
            if (service.path("image").asText().startsWith("apache/kafka:")) {
                for (String listener : service.path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText().split(",")) {
                    if (listener.startsWith("PLAINTEXT://")) {
                        listeners.add(listener.substring("PLAINTEXT://".length()));
                    }
                }
            }
        }
        assertEquals(3, listeners.size(), "three brokers, each with a PLAINTEXT listener: " + listeners);
        return listeners;
    }

    @Test
    void shouldPublishOnlyPortsTheServiceListensOn() {
        for (Map.Entry<String, JsonNode> e : glimpseServices.entrySet()) {
            List<String> args = command(e.getValue());
            Set<String> listening = new TreeSet<>();
            CommandLine sub = parsed(args);
            for (String option : PORT_OPTIONS) {
                OptionSpec spec = sub.getCommandSpec().findOption(option);
                if (spec != null) {
                    listening.add(String.valueOf((Object) spec.getValue()));
                }
            }
            for (JsonNode port : e.getValue().path("ports")) {
                String[] parts = port.asText().split(":");
                String container = parts[parts.length - 1].replace("/tcp", "");
                assertTrue(listening.contains(container), e.getKey() + " publishes " + port.asText()
                        + " but listens on " + listening);
            }
        }
    }

    @Test
    void shouldBindEveryServiceToAllInterfacesExplicitly() {
        // Glimpse listens on 127.0.0.1 unless told otherwise; in a container that would hide every port from
        // Prometheus and from the published ports, so compose says 0.0.0.0 for each service
        for (Map.Entry<String, JsonNode> e : glimpseServices.entrySet()) {
            List<String> args = command(e.getValue());
            int bind = args.indexOf("--bind");
            assertTrue(bind >= 0 && bind + 1 < args.size() && args.get(bind + 1).equals("0.0.0.0"),
                    e.getKey() + " does not set --bind 0.0.0.0: " + args);
        }
    }

    @Test
    void shouldScrapeEachServiceOnItsMetricsPort() throws Exception {
        JsonNode prometheus = YAML.readTree(ROOT.resolve("dashboards/prometheus/prometheus.yml").toFile());
        Set<String> targets = new HashSet<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            for (JsonNode sc : job.path("static_configs")) {
                sc.path("targets").forEach(t -> targets.add(t.asText()));
            }
        }
        for (Map.Entry<String, JsonNode> e : glimpseServices.entrySet()) {
            String metricsPort = String.valueOf((Object) parsed(command(e.getValue())).getCommandSpec()
                    .findOption("--metrics-port").getValue());
            assertTrue(targets.contains(e.getKey() + ":" + metricsPort),
                    "prometheus.yml does not scrape " + e.getKey() + ":" + metricsPort + "; targets " + targets);
        }
    }

    @Test
    void shouldSetOnlyEnvironmentVariablesTheServiceReads() throws Exception {
        Set<String> launcherVars = new TreeSet<>();
        Matcher m = SHELL_VAR.matcher(Files.readString(ROOT.resolve("glimpse")));
        while (m.find()) {
            launcherVars.add(m.group(1));
        }
        assertTrue(launcherVars.contains("GLIMPSE_JAVA_OPTS"), launcherVars.toString());
        for (Map.Entry<String, JsonNode> e : glimpseServices.entrySet()) {
            CommandLine sub = parsed(command(e.getValue()));
            Set<String> read = new TreeSet<>(launcherVars);
            if (sub.getCommand() instanceof ConfigurableCommand c) {
                // GLIMPSE_<KEY> for every configuration key, and the older variables some keys also read
                c.definition().keyNames().forEach(key -> read.add(ConfigSources.environmentVariable(key)));
                read.addAll(c.environmentAliases().keySet());
            }
            for (OptionSpec o : sub.getCommandSpec().options()) {
                String raw = annotatedDefault(o);
                if (raw != null) {
                    Matcher env = ENV_DEFAULT.matcher(raw);
                    while (env.find()) {
                        read.add(env.group(1));
                    }
                }
                if (o.longestName().endsWith("-env") && o.getValue() != null) {
                    read.add(String.valueOf((Object) o.getValue()));
                }
            }
            for (Iterator<String> it = e.getValue().path("environment").fieldNames(); it.hasNext(); ) {
                String name = it.next();
                assertTrue(read.contains(name), e.getKey() + " sets " + name + " but reads only " + read);
            }
        }
    }

    @Test
    void shouldMountOnlyPathsTheServiceUses() {
        for (Map.Entry<String, JsonNode> e : glimpseServices.entrySet()) {
            List<String> args = command(e.getValue());
            CommandLine sub = parsed(args);
            List<Path> used = new ArrayList<>();
            for (OptionSpec o : sub.getCommandSpec().options()) {
                Object v = o.getValue();
                if (v instanceof Path p) {
                    used.add(Path.of(workdir).resolve(p).normalize());
                }
            }
            OptionSpec dataset = sub.getCommandSpec().findOption("--dataset");
            if (dataset != null && "fashion-mnist".equals(dataset.getValue())) {
                used.add(FashionMnist.DEFAULT_DIR);
            }
            for (JsonNode volume : e.getValue().path("volumes")) {
                String[] parts = volume.asText().split(":");
                Path target = Path.of(parts[1]).normalize();
                assertTrue(used.stream().anyMatch(target::startsWith),
                        e.getKey() + " mounts " + target + " but uses only " + used);
                if (!parts[0].startsWith("/") && !parts[0].startsWith(".")) {
                    assertTrue(compose.path("volumes").has(parts[0]), "volume " + parts[0] + " is not declared");
                }
            }
        }
    }

    @Test
    void shouldShareTheModelStoreBetweenTrainingInferenceExplainAndMonitoring() {
        for (String service : List.of("training-service", "inference-worker", "explain-worker", "monitoring")) {
            assertTrue(volumes(service).contains("models:/app/data/models") || volumes(service).contains("models:/app/data/models:ro"),
                    service + " does not mount the model store: " + volumes(service));
        }
        assertTrue(volumes("explain-worker").contains("artifacts:/app/data/artifacts"));
    }

    @Test
    void shouldReserveAnNvidiaGpuAndBuildWithTheGpuProfileForTheGpuWorker() throws Exception {
        JsonNode gpu = glimpseServices.get("inference-worker-gpu");
        JsonNode device = gpu.path("deploy").path("resources").path("reservations").path("devices").get(0);
        assertEquals("nvidia", device.path("driver").asText());
        assertEquals("gpu", device.path("capabilities").get(0).asText());
        assertEquals("gpu", gpu.path("build").path("args").path("MAVEN_PROFILE").asText());
        assertTrue(command(gpu).contains("cuda:0"), "the GPU worker asks for CUDA");
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        assertTrue(dockerfile.contains("ARG MAVEN_PROFILE") && dockerfile.contains("-P${MAVEN_PROFILE}"),
                "the Dockerfile builds with the profile given as MAVEN_PROFILE");
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        assertTrue(pom.contains("<id>gpu</id>"), "the parent pom has the gpu profile");
    }

    @Test
    void shouldPinTheKafkaImageAndRunItInKraftMode() {
        JsonNode kafka = compose.path("services").path("kafka");
        String image = kafka.path("image").asText();
        assertTrue(image.matches("apache/kafka:\\d+\\.\\d+\\.\\d+"), "pinned apache/kafka image, got " + image);
        assertEquals("broker,controller", kafka.path("environment").path("KAFKA_PROCESS_ROLES").asText());
        assertTrue(kafka.path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText().contains("PLAINTEXT://kafka:9092"));
        for (String service : List.of("prometheus", "grafana")) {
            assertFalse(compose.path("services").path(service).path("image").asText().endsWith(":latest"), service + " is pinned");
        }
    }

    @Test
    void shouldRunThreeKraftBrokersReplicatingEverythingThreeTimes() {
        Set<String> ids = new TreeSet<>();
        Set<String> voters = new TreeSet<>();
        Set<String> clusterIds = new TreeSet<>();
        for (String broker : List.of("kafka", "kafka-2", "kafka-3")) {
            JsonNode env = compose.path("services").path(broker).path("environment");
            assertEquals("broker,controller", env.path("KAFKA_PROCESS_ROLES").asText(), broker);
            ids.add(env.path("KAFKA_NODE_ID").asText());
            voters.add(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText());
            clusterIds.add(env.path("CLUSTER_ID").asText());
            assertTrue(env.path("KAFKA_ADVERTISED_LISTENERS").asText().contains("PLAINTEXT://" + broker + ":9092"), broker);
            // a broker can be lost without losing an acknowledged record, a consumer offset or a transaction
            assertEquals("3", env.path("KAFKA_DEFAULT_REPLICATION_FACTOR").asText(), broker);
            assertEquals("2", env.path("KAFKA_MIN_INSYNC_REPLICAS").asText(), broker);
            assertEquals("3", env.path("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").asText(), broker);
            assertEquals("3", env.path("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asText(), broker);
            assertEquals("2", env.path("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR").asText(), broker);
            assertTrue(compose.path("services").path(broker).has("healthcheck"), broker + " has a healthcheck");
        }
        assertEquals(Set.of("1", "2", "3"), ids, "distinct node ids");
        assertEquals(Set.of("1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093"), voters, "one quorum naming all three");
        assertEquals(1, clusterIds.size(), "one cluster id: " + clusterIds);
    }

    @Test
    void shouldCheckEveryServiceOnItsHealthEndpointAndStartItOnlyWhenWhatItNeedsIsHealthy() {
        for (Map.Entry<String, JsonNode> e : glimpseServices.entrySet()) {
            String metricsPort = String.valueOf((Object) parsed(command(e.getValue())).getCommandSpec()
                    .findOption("--metrics-port").getValue());
            List<String> test = new ArrayList<>();
            e.getValue().path("healthcheck").path("test").forEach(t -> test.add(t.asText()));
            String joined = String.join(" ", test);
            assertTrue(joined.contains("/dev/tcp/127.0.0.1/" + metricsPort) && joined.contains("GET /health "),
                    e.getKey() + " checks /health on its metrics port " + metricsPort + ": " + joined);
            for (String broker : List.of("kafka", "kafka-2", "kafka-3")) {
                assertTrue(e.getValue().path("depends_on").has(broker), e.getKey() + " waits for " + broker);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = compose.path("services").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> service = it.next();
            assertTrue(service.getValue().has("healthcheck"), service.getKey() + " has a healthcheck");
            JsonNode deps = service.getValue().path("depends_on");
            assertFalse(deps.isArray(), service.getKey() + ": depends_on with conditions, not a bare list");
            for (Iterator<Map.Entry<String, JsonNode>> d = deps.fields(); d.hasNext(); ) {
                Map.Entry<String, JsonNode> dep = d.next();
                assertEquals("service_healthy", dep.getValue().path("condition").asText(),
                        service.getKey() + " starts only once " + dep.getKey() + " is healthy");
                assertTrue(compose.path("services").path(dep.getKey()).has("healthcheck"), dep.getKey() + " has a healthcheck");
            }
        }
    }

    @Test
    void shouldProvisionGrafanaAndPrometheusFromTheDashboardsModule() {
        for (String service : List.of("prometheus", "grafana")) {
            for (JsonNode volume : compose.path("services").path(service).path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./")) {
                    assertTrue(Files.exists(ROOT.resolve(source)), service + " mounts missing " + source);
                }
            }
        }
        assertTrue(volumes("grafana").contains("./dashboards/grafana/dashboards:/var/lib/grafana/dashboards/glimpse:ro"),
                "the dashboards are where provisioning/dashboards/glimpse.yml looks for them");
        assertTrue(volumes("prometheus").contains("./dashboards/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro"),
                "the rules are next to prometheus.yml, which names them relative to itself");
    }

    /** The default as written in the @Option annotation, before picocli interpolates ${env:...} variables. */
    private static String annotatedDefault(OptionSpec o) {
        if (o.userObject() instanceof java.lang.reflect.Field f) {
            CommandLine.Option a = f.getAnnotation(CommandLine.Option.class);
            return a == null ? null : a.defaultValue();
        }
        return o.defaultValue();
    }

    private static List<String> command(JsonNode service) {
        List<String> args = new ArrayList<>();
        service.path("command").forEach(a -> args.add(a.asText()));
        assertFalse(args.isEmpty(), "service without command: " + service);
        return args;
    }

    private static List<String> volumes(String service) {
        List<String> v = new ArrayList<>();
        compose.path("services").path(service).path("volumes").forEach(n -> v.add(n.asText()));
        return v;
    }

    private static final Map<List<String>, CommandLine> PARSED = new java.util.HashMap<>();

    /**
     * The subcommand's CommandLine after parsing the arguments (option values set, defaults applied); one parse per
     * distinct command, since building the whole command line (every subcommand) takes a while.
     */
    private static CommandLine parsed(List<String> args) {
        return PARSED.computeIfAbsent(args, a -> {
            CommandLine cli = Glimpse.commandLine();
            CommandLine.ParseResult result = cli.parseArgs(a.toArray(String[]::new));
            return result.subcommand().commandSpec().commandLine();
        });
    }

    private static String optionValue(CommandLine cli, List<String> args, String option) {
        CommandSpec spec = cli.getSubcommands().get(args.get(0)).getCommandSpec();
        return String.valueOf((Object) spec.findOption(option).getValue());
    }
}
