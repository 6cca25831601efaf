package dev.glimpse.platform.testing;

import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a real Kafka broker: one {@link EmbeddedKafkaBroker} per test JVM (started on
 * first use in a temporary directory, stopped and deleted when the test run ends) and, per test method, a
 * {@link KafkaTestContext} with its own topic prefix and group ids so tests never see each other's records.
 *
 * <pre>{@code
 * @ExtendWith(KafkaBrokerExtension.class)
 * class MyTest {
 *     @Test void shouldX(KafkaTestContext kafka) { kafka.catalog().images() ... }
 * }
 * }</pre>
 */
public final class KafkaBrokerExtension implements ParameterResolver {

    private static final AtomicInteger TEST_COUNTER = new AtomicInteger();
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == KafkaTestContext.class || type == EmbeddedKafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        EmbeddedKafkaBroker broker = sharedBroker(extensionContext);
        if (parameterContext.getParameter().getType() == EmbeddedKafkaBroker.class) {
            return broker;
        }
        String prefix = "t" + TEST_COUNTER.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff) + ".";
        String testName = extensionContext.getTestMethod().map(m -> m.getName()).orElse("test");
        KafkaTestContext context = new KafkaTestContext(broker, prefix, testName);
        // AutoCloseable values of a store are closed when the test method's context ends: releases its clients.
        extensionContext.getStore(NAMESPACE).put("context-" + prefix, context);
        return context;
    }

    /** The broker shared by every test of this JVM; stopped when the whole test run ends. */
    public static EmbeddedKafkaBroker sharedBroker(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedBroker.class, k -> SharedBroker.start(), SharedBroker.class).broker;
    }

    /** Holder closed by JUnit at the end of the run (root store resources are closed last). */
    static final class SharedBroker implements AutoCloseable {
        final EmbeddedKafkaBroker broker;
        final Path dir;

        private SharedBroker(EmbeddedKafkaBroker broker, Path dir) {
            this.broker = broker;
            this.dir = dir;
        }

        static SharedBroker start() {
            try {
                Path dir = Files.createTempDirectory("glimpse-test-kafka");
                // Port 0: never take 9092 from a broker the developer runs next to the tests.
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir).preferredPort(0).start();
                return new SharedBroker(broker, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            broker.close();
            deleteRecursively(dir);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp directory left behind is not worth failing a test run for.
        }
    }
}
