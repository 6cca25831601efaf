package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.runtime.ExecutionDevice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferenceConfigTest {

    @TempDir
    Path dir;

    private Map<String, Object> minimal() {
        Map<String, Object> values = new HashMap<>();
        values.put(InferenceConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        values.put(InferenceConfig.MODEL, BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir).toString());
        return values;
    }

    @Test
    void shouldApplyDocumentedDefaults() {
        InferenceConfig c = InferenceConfig.parse(minimal());
        assertEquals("glimpse-inference", c.groupId());
        assertEquals(ExecutionDevice.AUTO, c.device());
        assertEquals(32, c.maxBatchSize());
        assertEquals(Duration.ofMillis(10), c.maxWait());
        assertEquals(32, c.queueCapacity(), "0 means the max batch size");
        assertEquals(5, c.topK());
        assertEquals(1, c.decodeThreads(), "one thread decodes while ONNX Runtime runs");
        assertEquals(256, c.maxPollRecords());
        assertTrue(c.workerId().startsWith("inference-"));
        assertEquals(c.groupId() + "-" + c.workerId(), c.transactionalId());
    }

    @Test
    void shouldNameTheKeyAndQuoteTheValueWhenInvalid() {
        Map<String, Object> values = minimal();
        values.put(InferenceConfig.MAX_BATCH_SIZE, "0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceConfig.parse(values));
        assertTrue(e.getMessage().contains(InferenceConfig.MAX_BATCH_SIZE), e.getMessage());

        Map<String, Object> device = minimal();
        device.put(InferenceConfig.DEVICE, "tpu");
        e = assertThrows(IllegalArgumentException.class, () -> InferenceConfig.parse(device));
        assertTrue(e.getMessage().contains(InferenceConfig.DEVICE) && e.getMessage().contains("'tpu'"), e.getMessage());

        Map<String, Object> noModel = minimal();
        noModel.put(InferenceConfig.MODEL, dir.resolve("missing.onnx").toString());
        e = assertThrows(IllegalArgumentException.class, () -> InferenceConfig.parse(noModel));
        assertTrue(e.getMessage().contains(InferenceConfig.MODEL) && e.getMessage().contains("missing.onnx"), e.getMessage());

        Map<String, Object> decode = minimal();
        decode.put(InferenceConfig.DECODE_THREADS, "-1");
        e = assertThrows(IllegalArgumentException.class, () -> InferenceConfig.parse(decode));
        assertTrue(e.getMessage().contains(InferenceConfig.DECODE_THREADS) && e.getMessage().contains("'-1'"),
                e.getMessage());

        Map<String, Object> typo = minimal();
        typo.put("inference.max.batchsize", "8");
        e = assertThrows(IllegalArgumentException.class, () -> InferenceConfig.parse(typo));
        assertTrue(e.getMessage().contains("inference.max.batchsize"), e.getMessage());
    }

    @Test
    void shouldRenderTheReferenceWithEveryKey() {
        String md = InferenceConfig.DEFINITION.toMarkdown();
        for (String key : new String[] {InferenceConfig.MAX_BATCH_SIZE, InferenceConfig.MAX_WAIT_MS,
                InferenceConfig.DEVICE, InferenceConfig.COMMIT_INTERVAL_MS, InferenceConfig.BOOTSTRAP_SERVERS,
                InferenceConfig.DECODE_THREADS, InferenceConfig.MAX_POLL_RECORDS}) {
            assertTrue(md.contains("`" + key + "`"), key);
        }
    }
}
