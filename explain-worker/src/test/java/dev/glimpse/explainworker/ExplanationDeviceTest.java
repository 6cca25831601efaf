package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.runtime.DeviceUnavailableException;
import dev.glimpse.runtime.OrtSessions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code explain.device} reaches the ONNX Runtime sessions the worker opens: a strict {@code cuda} that cannot be
 * had stops the worker before it starts, {@code auto} runs on the CPU and says so in the device metric.
 */
class ExplanationDeviceTest {

    @TempDir
    Path dir;

    private Path model;

    @BeforeEach
    void model() throws Exception {
        // what the tests expect happens only where ONNX Runtime has no CUDA provider (the default CPU build)
        assumeFalse(OrtSessions.cudaProviderPresent(), "this ONNX Runtime build has the CUDA provider (-Pgpu): "
                + "strict cuda may succeed here, so the CPU-only expectations do not apply");
        model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
    }

    private ExplainWorkerConfig config(String device) {
        return ExplainWorkerConfig.defaults("localhost:1", TopicCatalog.defaults(), model, dir.resolve("art")).withDevice(device);
    }

    @Test
    void shouldRefuseToStartWhenStrictCudaIsNotAvailable() {
        // Given --device cuda on a machine whose ONNX Runtime has no CUDA provider
        // When the engine is created, Then it fails at once, naming the missing provider and the way out
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class, () -> new OnnxExplanationEngine(
                config("cuda"), new ModelCatalog(model), new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults())));
        assertTrue(e.getMessage().contains("CUDA execution provider"), e.getMessage());
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }

    @Test
    void shouldFallBackToTheCpuWithAMetricWhenAutoFindsNoCuda() {
        // Given --device auto
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ExplainWorker worker = ExplainWorker.create(config("auto"), registry);
        try (OnnxExplanationEngine engine = new OnnxExplanationEngine(config("auto"), new ModelCatalog(model),
                new ArtifactStore(dir.resolve("art2"), ArtifactStore.Limits.defaults()))) {
            // Then the sessions run on the CPU, the metric says auto became cpu, and explanations still work
            assertEquals("cpu", engine.device());
            assertEquals("auto", engine.requestedDevice());
            String scrape = registry.scrape();
            assertTrue(scrape.contains("glimpse_explain_device_info{device=\"cpu\",requested=\"auto\"} 1"), scrape);
            List<ExplanationEngine.Result> r = engine.explain(List.of(item("a", 2, 3), item("b", 9, 9)));
            r.forEach(x -> assertTrue(x.succeeded(), x.failureDetail()));
        } finally {
            worker.close();
        }
    }

    private static ExplainItem item(String id, int x, int y) {
        byte[][] img = TinyCnn.squareImage(x, y);
        ImageEvent image = ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(img[0])).setContentType("image/png")
                .setWidth(16).setHeight(16).setChannels(1).setObjectMask(ByteString.copyFrom(img[1])).build();
        Prediction p = Prediction.newBuilder().setImageId(id).setModelName("tiny").setModelVersion("1")
                .addTopK(ClassScore.newBuilder().setClassIndex(1).setProbability(0.5f)).build();
        return new ExplainItem(p, image, "gradcam", 1, "all");
    }
}
