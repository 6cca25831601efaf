package dev.glimpse.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrtSessionsTest {

    @Test
    void shouldRunOnCpuAndMatchNumpyReferenceWhenCpuRequested() throws Exception {
        // Given the tiny gray model and numpy's forward pass of it
        JsonNode expected = TestModels.tinyGrayExpected();
        float[] x = new float[32];
        System.arraycopy(TestModels.row(expected.get("input"), 0), 0, x, 0, 16);
        System.arraycopy(TestModels.row(expected.get("input"), 1), 0, x, 16, 16);

        // When it runs on a CPU session
        try (PlacedSession placed = OrtSessions.open(TestModels.path("tiny-gray.onnx"), ExecutionDevice.CPU);
             OnnxTensor input = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(x), new long[] {2, 1, 4, 4});
             OrtSession.Result result = placed.session().run(Map.of("input", input))) {
            float[][] logits = (float[][]) result.get(0).getValue();

            // Then the device is the CPU and the logits equal numpy's
            assertEquals(ExecutionDevice.CPU, placed.device());
            assertFalse(placed.fellBack());
            assertArrayEquals(TestModels.row(expected.get("logits"), 0), logits[0], 1e-5f);
            assertArrayEquals(TestModels.row(expected.get("logits"), 1), logits[1], 1e-5f);
        }
    }

    @Test
    void shouldOpenFromBytesWithExplicitTuning() throws Exception {
        byte[] bytes = Files.readAllBytes(TestModels.path("tiny-rgb-bare.onnx"));
        try (PlacedSession placed = OrtSessions.open(bytes, ExecutionDevice.CPU, new SessionTuning(1, 1))) {
            assertEquals("pixels", placed.session().getInputNames().iterator().next());
        }
    }

    @Test
    void shouldFailAtStartNamingTheProviderWhenCudaRequestedStrictlyWithoutIt() {
        assumeFalse(OrtSessions.cudaProviderPresent(), "this ONNX Runtime build has a CUDA provider; strict failure is not observable");
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                () -> OrtSessions.open(TestModels.path("tiny-gray.onnx"), ExecutionDevice.parse("cuda")));
        assertTrue(e.getMessage().contains("'cuda:0'"), e.getMessage());
        assertTrue(e.getMessage().contains("CUDA execution provider"), e.getMessage());
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }

    @Test
    void shouldFallBackToCpuWhenAutoAndCudaIsAbsent() throws Exception {
        assumeFalse(OrtSessions.cudaProviderPresent(), "this ONNX Runtime build has a CUDA provider; fallback is not observable");
        try (PlacedSession placed = OrtSessions.open(TestModels.path("tiny-gray.onnx"), ExecutionDevice.AUTO)) {
            assertEquals(ExecutionDevice.CPU, placed.device());
            assertEquals(ExecutionDevice.AUTO, placed.requested());
            assertTrue(placed.fellBack());
            assertTrue(placed.fallbackReason().contains("CUDA"), placed.fallbackReason());
        }
    }

    @Test
    void shouldRefuseMissingModelFileNamingThePath() {
        Path missing = Path.of("no/such/model.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OrtSessions.open(missing, ExecutionDevice.CPU));
        assertTrue(e.getMessage().contains("no/such/model.onnx"), e.getMessage());
    }

    @Test
    void shouldParseDeviceSpellingsAndQuoteBadOnes() {
        assertEquals(ExecutionDevice.CPU, ExecutionDevice.parse("CPU"));
        assertEquals(ExecutionDevice.AUTO, ExecutionDevice.parse(" auto "));
        assertEquals(ExecutionDevice.cuda(0), ExecutionDevice.parse("cuda"));
        assertEquals(2, ExecutionDevice.parse("cuda:2").cudaDeviceId());
        assertEquals("cuda:2", ExecutionDevice.parse("cuda:2").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.parse("tpu"));
        assertTrue(e.getMessage().contains("'tpu'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.parse("cuda:-1"));
        assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.parse("cuda:x"));
    }
}
