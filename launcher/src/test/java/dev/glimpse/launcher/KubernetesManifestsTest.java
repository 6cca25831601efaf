package dev.glimpse.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.launcher.commands.ConfigurableCommand;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.registry.objectstore.ObjectStoreConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * deploy/kubernetes cannot be applied here (no cluster), so it is checked against the Kubernetes API and the code:
 * every manifest parses into fabric8's Kubernetes model classes with no field the API does not have (KEDA and Strimzi
 * resources against the fields declared below), every container runs a real {@code ./glimpse} command whose options
 * parse, exposes and probes only ports the service listens on, gets only environment variables the service reads
 * (valid values for the configuration keys), mounts only paths it uses, and asks for resources; the autoscaler
 * watches the consumer groups and topics the workers really use.
 */
class KubernetesManifestsTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path DIR = ROOT.resolve("deploy/kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> PORT_OPTIONS = Set.of("--metrics-port", "--http-port", "--console-port");
    /** Read by the AWS SDK's default credential chain in every service that has the store.* keys. */
    private static final Set<String> AWS_CHAIN = Set.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION");
    private static final String BOOTSTRAP = "glimpse-kafka-bootstrap:9092";

    private static final List<HasMetadata> RESOURCES = new ArrayList<>();
    private static final Map<HasMetadata, JsonNode> RAW = new HashMap<>();

    @BeforeAll
    static void parseEveryManifest() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no manifests in " + DIR);
        for (Path file : files) {
            for (String doc : Files.readString(file).split("(?m)^---\\s*$")) {
                if (doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) {
                    continue;
                }
                HasMetadata r = Serialization.unmarshal(doc);
                assertNotNull(r, file + ": a document that is no Kubernetes resource");
                RESOURCES.add(r);
                RAW.put(r, YAML.readTree(doc));
            }
        }
    }

    @Test
    void shouldUseOnlyFieldsOfTheKubernetesApi() {
        Set<String> typedKinds = Set.of("Namespace", "ConfigMap", "Secret", "Deployment", "StatefulSet", "Service",
                "PodDisruptionBudget");
        for (HasMetadata r : RESOURCES) {
            if (typedKinds.contains(r.getKind())) {
                assertFalse(r instanceof GenericKubernetesResource, r.getKind() + " " + name(r) + " was not read as the API type");
                List<String> unknown = new ArrayList<>();
                unknownFields(r, r.getKind() + "/" + name(r), unknown);
                assertEquals(List.of(), unknown, "fields the Kubernetes API does not have");
                assertEquals("glimpse", r.getMetadata().getNamespace() == null && r.getKind().equals("Namespace")
                        ? "glimpse" : r.getMetadata().getNamespace(), name(r) + " is in the glimpse namespace");
            } else {
                assertTrue(Set.of("ScaledObject", "Kafka", "KafkaNodePool").contains(r.getKind()), "unexpected kind " + r.getKind());
            }
        }
    }

    @Test
    void shouldRunEveryServiceOfTheDataFlowAsARealGlimpseCommand() {
        Map<String, List<String>> byWorkload = new LinkedHashMap<>();
        glimpseContainers().forEach((workload, c) -> byWorkload.put(workload, c.getArgs()));
        assertEquals(Set.of("ingest", "inference-worker", "inference-worker-gpu", "explain-worker", "training-service",
                "monitoring"), byWorkload.keySet());
        for (Map.Entry<String, List<String>> e : byWorkload.entrySet()) {
            List<String> args = e.getValue();
            CommandLine cli = Glimpse.commandLine();
            assertTrue(cli.getSubcommands().containsKey(args.get(0)), e.getKey() + ": '" + args.get(0) + "' is not a ./glimpse command");
            try {
                cli.parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.ParameterException ex) {
                fail(e.getKey() + ": ./glimpse " + String.join(" ", args) + " does not parse: " + ex.getMessage());
            }
            assertEquals(BOOTSTRAP, value(parsed(args), "--bootstrap-servers"), e.getKey() + " uses the Strimzi cluster's bootstrap service");
        }
        // the inference workers are StatefulSets whose pod name is the (transactional) worker id
        for (String worker : List.of("inference-worker", "inference-worker-gpu")) {
            StatefulSet set = find(StatefulSet.class, worker);
            EnvVar id = set.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(v -> v.getName().equals(ConfigSources.environmentVariable(InferenceConfig.WORKER_ID))).findFirst().orElseThrow();
            assertEquals("metadata.name", id.getValueFrom().getFieldRef().getFieldPath());
        }
    }

    @Test
    void shouldExposeAndProbeOnlyPortsTheServiceListensOn() {
        glimpseContainers().forEach((workload, c) -> {
            CommandLine sub = parsed(c.getArgs());
            Set<String> listening = new TreeSet<>();
            for (String option : PORT_OPTIONS) {
                OptionSpec spec = sub.getCommandSpec().findOption(option);
                if (spec != null) {
                    listening.add(String.valueOf((Object) spec.getValue()));
                }
            }
            Map<String, Integer> named = new HashMap<>();
            for (ContainerPort p : c.getPorts()) {
                assertTrue(listening.contains(String.valueOf(p.getContainerPort())), workload + " exposes " + p.getContainerPort()
                        + " but listens on " + listening);
                named.put(p.getName(), p.getContainerPort());
            }
            String metricsPort = value(sub, "--metrics-port");
            for (Probe probe : new Probe[] {c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe()}) {
                if (probe == null) {
                    continue;
                }
                HTTPGetAction get = probe.getHttpGet();
                assertNotNull(get, workload + ": probes are HTTP GETs of /health");
                assertEquals("/health", get.getPath());
                Integer port = get.getPort().getIntVal() != null ? get.getPort().getIntVal() : named.get(get.getPort().getStrVal());
                assertEquals(metricsPort, String.valueOf(port), workload + " probes the port serving /health (--metrics-port)");
            }
            assertNotNull(c.getReadinessProbe(), workload + " has a readiness probe");
            assertNotNull(c.getLivenessProbe(), workload + " has a liveness probe");
        });
        // every Service targets a named port of the pods it selects
        for (Service s : all(Service.class)) {
            Container c = containerSelectedBy(s.getSpec().getSelector());
            Set<String> names = new TreeSet<>();
            c.getPorts().forEach(p -> names.add(p.getName()));
            s.getSpec().getPorts().forEach(p -> assertTrue(names.contains(p.getTargetPort().getStrVal()),
                    "service " + name(s) + " targets " + p.getTargetPort() + "; the container names " + names));
        }
    }

    @Test
    void shouldSetOnlyEnvironmentVariablesTheServiceReadsWithValidValues() throws Exception {
        Set<String> launcherVars = new TreeSet<>(Set.of("GLIMPSE_JAVA_OPTS"));
        assertTrue(Files.readString(ROOT.resolve("glimpse")).contains("GLIMPSE_JAVA_OPTS"));
        glimpseContainers().forEach((workload, c) -> {
            CommandLine sub = parsed(c.getArgs());
            ConfigurableCommand command = assertInstanceOf(ConfigurableCommand.class, sub.getCommand(), workload);
            Map<String, String> keyOfVariable = new HashMap<>();
            command.definition().keyNames().forEach(k -> keyOfVariable.put(ConfigSources.environmentVariable(k), k));
            command.environmentAliases().forEach(keyOfVariable::put);
            Set<String> read = new TreeSet<>(launcherVars);
            read.addAll(keyOfVariable.keySet());
            for (OptionSpec o : sub.getCommandSpec().options()) {
                if (o.longestName().endsWith("-env") && o.getValue() != null) {
                    read.add(String.valueOf((Object) o.getValue()));
                }
            }
            if (command.definition().keyNames().contains(ObjectStoreConfig.URI_KEY)) {
                read.addAll(AWS_CHAIN);
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (EnvVar v : c.getEnv()) {
                values.put(v.getName(), v.getValue());
            }
            for (EnvFromSource from : c.getEnvFrom()) {
                if (from.getConfigMapRef() != null) {
                    values.putAll(find(ConfigMap.class, from.getConfigMapRef().getName()).getData());
                }
                if (from.getSecretRef() != null) {
                    find(Secret.class, from.getSecretRef().getName()).getStringData().keySet().forEach(k -> values.put(k, null));
                }
            }
            Map<String, Object> config = new HashMap<>();
            values.forEach((name, value) -> {
                assertTrue(read.contains(name), workload + " sets " + name + " but reads only " + read);
                if (keyOfVariable.containsKey(name) && value != null) {
                    config.put(keyOfVariable.get(name), value);
                }
            });
            // the store keys given as GLIMPSE_<KEY> are valid (parsed and validated as the service does at start)
            if (command.definition().keyNames().contains(ObjectStoreConfig.URI_KEY)) {
                Map<String, Object> store = new HashMap<>();
                config.forEach((k, v) -> {
                    if (k.startsWith("store.")) {
                        store.put(k, v);
                    }
                });
                assertTrue(ObjectStoreConfig.settings(ObjectStoreConfig.definition().parse(store)).isShared(),
                        workload + " shares models and artifacts through the object store, not a volume");
            }
        });
    }

    @Test
    void shouldMountOnlyPathsTheServiceUsesAndRequestResources() {
        glimpseContainers().forEach((workload, c) -> {
            CommandLine sub = parsed(c.getArgs());
            List<Path> used = new ArrayList<>();
            for (OptionSpec o : sub.getCommandSpec().options()) {
                if (o.getValue() instanceof Path p) {
                    used.add(Path.of("/app").resolve(p).normalize());
                }
            }
            for (VolumeMount m : c.getVolumeMounts()) {
                Path target = Path.of(m.getMountPath());
                assertTrue(used.stream().anyMatch(u -> u.startsWith(target)), workload + " mounts " + target + " but uses only " + used);
            }
            Map<String, Quantity> requests = c.getResources().getRequests();
            assertTrue(requests.containsKey("cpu") && requests.containsKey("memory"), workload + " requests cpu and memory: " + requests);
            assertTrue(c.getResources().getLimits().containsKey("memory"), workload + " has a memory limit");
        });
        Container gpu = find(StatefulSet.class, "inference-worker-gpu").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(new Quantity("1"), gpu.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals("cuda:0", value(parsed(gpu.getArgs()), "--device"));
        assertEquals("glimpse:gpu", gpu.getImage());
    }

    @Test
    void shouldGuardEveryWorkloadWithADisruptionBudgetAndAService() {
        List<PodTemplateSpec> templates = new ArrayList<>();
        all(Deployment.class).forEach(d -> templates.add(d.getSpec().getTemplate()));
        all(StatefulSet.class).forEach(s -> templates.add(s.getSpec().getTemplate()));
        for (PodTemplateSpec t : templates) {
            Map<String, String> labels = t.getMetadata().getLabels();
            assertTrue(all(PodDisruptionBudget.class).stream().anyMatch(p -> selects(p.getSpec().getSelector().getMatchLabels(), labels)),
                    "no PodDisruptionBudget selects " + labels);
            assertTrue(all(Service.class).stream().anyMatch(s -> selects(s.getSpec().getSelector(), labels)), "no Service selects " + labels);
        }
        for (StatefulSet s : all(StatefulSet.class)) {
            assertNotNull(find(Service.class, s.getSpec().getServiceName()), "the governing service of " + name(s));
        }
    }

    /** KEDA's kafka scaler (keda.sh/docs/latest/scalers/apache-kafka): the fields used here, each checked. */
    @Test
    void shouldScaleInferenceAndExplainWorkersOnTheLagOfTheirRealConsumerGroups() {
        TopicCatalog catalog = new TopicCatalog("", TopicCatalog.DEFAULT_PARTITIONS);
        Map<String, String[]> expected = Map.of(
                "inference-worker", new String[] {"StatefulSet", InferenceConfig.defaultGroupId(""), catalog.images().name()},
                "explain-worker", new String[] {"Deployment", "explain-worker", catalog.predictions().name()});
        Map<String, JsonNode> scaled = new HashMap<>();
        for (HasMetadata r : RESOURCES) {
            if (r.getKind().equals("ScaledObject")) {
                JsonNode n = RAW.get(r);
                assertEquals("keda.sh/v1alpha1", n.path("apiVersion").asText());
                assertOnly(n, Set.of("apiVersion", "kind", "metadata", "spec"), "ScaledObject");
                assertOnly(n.path("spec"), Set.of("scaleTargetRef", "pollingInterval", "cooldownPeriod", "minReplicaCount",
                        "maxReplicaCount", "idleReplicaCount", "triggers", "advanced", "fallback"), "ScaledObject.spec");
                assertOnly(n.path("spec").path("scaleTargetRef"), Set.of("apiVersion", "kind", "name"), "scaleTargetRef");
                for (JsonNode t : n.path("spec").path("triggers")) {
                    assertOnly(t, Set.of("type", "metadata", "authenticationRef", "name"), "trigger");
                    assertOnly(t.path("metadata"), Set.of("bootstrapServers", "consumerGroup", "topic", "lagThreshold",
                            "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "limitToPartitionsWithLag",
                            "scaleToZeroOnInvalidOffset", "excludePersistentLag", "version", "partitionLimitation"), "kafka trigger");
                    n.path("spec").path("triggers").forEach(x -> x.path("metadata").fields().forEachRemaining(f ->
                            assertTrue(f.getValue().isTextual(), "KEDA trigger metadata values are strings: " + f.getKey())));
                }
                scaled.put(r.getMetadata().getName(), n);
            }
        }
        assertEquals(expected.keySet(), scaled.keySet());
        expected.forEach((target, want) -> {
            JsonNode spec = scaled.get(target).path("spec");
            assertEquals(want[0], spec.path("scaleTargetRef").path("kind").asText());
            assertEquals(target, spec.path("scaleTargetRef").path("name").asText());
            assertNotNull(want[0].equals("StatefulSet") ? find(StatefulSet.class, target) : find(Deployment.class, target));
            JsonNode trigger = spec.path("triggers").get(0);
            assertEquals("kafka", trigger.path("type").asText());
            JsonNode m = trigger.path("metadata");
            assertEquals(BOOTSTRAP, m.path("bootstrapServers").asText());
            assertEquals(want[1], m.path("consumerGroup").asText(), target + " scales on the group the worker joins");
            assertEquals(want[2], m.path("topic").asText());
            assertTrue(Integer.parseInt(m.path("lagThreshold").asText()) > 0);
            assertTrue(spec.path("maxReplicaCount").asInt() <= TopicCatalog.DEFAULT_PARTITIONS,
                    "no more workers than partitions of " + want[2]);
            assertTrue(spec.path("minReplicaCount").asInt() >= 1, "a worker stays up to follow the models topic");
        });
    }

    /** Strimzi's Kafka and KafkaNodePool (kafka.strimzi.io/v1beta2): the fields used here, each checked. */
    @Test
    void shouldDescribeAReplicatedKraftClusterForStrimzi() {
        JsonNode kafka = null;
        JsonNode pool = null;
        for (HasMetadata r : RESOURCES) {
            if (r.getKind().equals("Kafka")) {
                kafka = RAW.get(r);
            } else if (r.getKind().equals("KafkaNodePool")) {
                pool = RAW.get(r);
            }
        }
        assertNotNull(kafka);
        assertNotNull(pool);
        assertEquals("kafka.strimzi.io/v1beta2", kafka.path("apiVersion").asText());
        assertOnly(kafka.path("spec"), Set.of("kafka", "entityOperator", "cruiseControl", "kafkaExporter"), "Kafka.spec");
        assertOnly(kafka.path("spec").path("kafka"), Set.of("version", "metadataVersion", "listeners", "config", "authorization",
                "rack", "template", "logging"), "Kafka.spec.kafka");
        for (JsonNode l : kafka.path("spec").path("kafka").path("listeners")) {
            assertOnly(l, Set.of("name", "port", "type", "tls", "authentication", "configuration", "networkPolicyPeers"), "listener");
        }
        JsonNode config = kafka.path("spec").path("kafka").path("config");
        assertEquals(3, config.path("default.replication.factor").asInt());
        assertEquals(2, config.path("min.insync.replicas").asInt());
        assertEquals(3, config.path("transaction.state.log.replication.factor").asInt());
        assertEquals(2, config.path("transaction.state.log.min.isr").asInt());
        assertEquals("enabled", kafka.path("metadata").path("annotations").path("strimzi.io/kraft").asText());
        assertEquals(BOOTSTRAP, kafka.path("metadata").path("name").asText() + "-kafka-bootstrap:"
                + kafka.path("spec").path("kafka").path("listeners").get(0).path("port").asText());
        assertOnly(pool.path("spec"), Set.of("replicas", "roles", "storage", "resources", "jvmOptions", "template"), "KafkaNodePool.spec");
        assertEquals(3, pool.path("spec").path("replicas").asInt());
        assertEquals(kafka.path("metadata").path("name").asText(), pool.path("metadata").path("labels").path("strimzi.io/cluster").asText());
    }

    // ---- helpers

    private static Map<String, Container> glimpseContainers() {
        Map<String, Container> out = new LinkedHashMap<>();
        for (HasMetadata r : RESOURCES) {
            PodTemplateSpec t = r instanceof Deployment d ? d.getSpec().getTemplate()
                    : r instanceof StatefulSet s ? s.getSpec().getTemplate() : null;
            if (t != null) {
                for (Container c : t.getSpec().getContainers()) {
                    if (c.getImage().startsWith("glimpse:")) {
                        assertTrue(c.getCommand() == null || c.getCommand().isEmpty(), "the image's entrypoint is ./glimpse");
                        out.put(name(r), c);
                    }
                }
            }
        }
        return out;
    }

    private static Container containerSelectedBy(Map<String, String> selector) {
        for (HasMetadata r : RESOURCES) {
            PodTemplateSpec t = r instanceof Deployment d ? d.getSpec().getTemplate()
                    : r instanceof StatefulSet s ? s.getSpec().getTemplate() : null;
            if (t != null && selects(selector, t.getMetadata().getLabels())) {
                return t.getSpec().getContainers().get(0);
            }
        }
        throw new AssertionError("no pod template has labels " + selector);
    }

    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    private static <T extends HasMetadata> List<T> all(Class<T> type) {
        return RESOURCES.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T find(Class<T> type, String name) {
        return all(type).stream().filter(r -> name.equals(r.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static String name(HasMetadata r) {
        return r.getMetadata() == null ? "?" : r.getMetadata().getName();
    }

    private static void assertOnly(JsonNode node, Set<String> allowed, String what) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            assertTrue(allowed.contains(f), what + " has field '" + f + "', not one of " + allowed);
        }
    }

    /** Collects the paths of fields fabric8 kept as "additional properties": fields the API type does not have. */
    private static void unknownFields(Object o, String path, List<String> out) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : o.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            try {
                Object value = getter.invoke(o);
                if (getter.getName().equals("getAdditionalProperties")) {
                    if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        out.add(path + ": " + extra.keySet());
                    }
                } else {
                    unknownFields(value, path + "." + getter.getName().substring(3), out);
                }
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static final Map<List<String>, CommandLine> PARSED = new HashMap<>();

    private static CommandLine parsed(List<String> args) {
        return PARSED.computeIfAbsent(args, a -> {
            CommandLine cli = Glimpse.commandLine();
            return cli.parseArgs(a.toArray(String[]::new)).subcommand().commandSpec().commandLine();
        });
    }

    private static String value(CommandLine sub, String option) {
        return String.valueOf((Object) sub.getCommandSpec().findOption(option).getValue());
    }
}
