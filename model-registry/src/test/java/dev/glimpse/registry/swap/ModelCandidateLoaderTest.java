package dev.glimpse.registry.swap;

import dev.glimpse.registry.testing.TinyOnnx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.registry.store.Sha256;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadataKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCandidateLoaderTest {
    private static final ServingSignature SERVING = new ServingSignature(new long[] {-1, 1, 4, 4}, new long[] {-1, 3});

    @TempDir
    Path dir;

    private ModelAnnouncement announce(String version, byte[] bytes, String sha) throws Exception {
        Path file = dir.resolve(version + ".onnx");
        Files.write(file, bytes);
        return ModelAnnouncement.newBuilder().setModelName("m").setVersion(version)
                .setState(ModelAnnouncement.State.PROMOTED).setUri(file.toString()).setSha256(sha).build();
    }

    private ModelAnnouncement announce(String version, byte[] bytes) throws Exception {
        return announce(version, bytes, Sha256.of(bytes));
    }

    @Test
    void shouldHandBackWarmSessionForGoodModel() throws Exception {
        try (ModelCandidateLoader loader = ModelCandidateLoader.onCpu()) {
            LoadedCandidate result = loader.loadInBackground(announce("v2", TinyOnnx.linear(4, 4, 3, 0.1f)), SERVING)
                    .get(30, TimeUnit.SECONDS);
            LoadedCandidate.Ready ready = assertInstanceOf(LoadedCandidate.Ready.class, result, result.toString());
            try (ready) {
                assertEquals("v2", ready.announcement().getVersion());
                assertEquals(3, ready.graph().classCount());
                assertEquals(4, ready.metadata().height());
                assertEquals(Sha256.of(TinyOnnx.linear(4, 4, 3, 0.1f)), Sha256.of(ready.verifiedBytes()));
            }
        }
    }

    @Test
    void shouldRejectCorruptBytes() throws Exception {
        byte[] garbage = new byte[512];
        new Random(1).nextBytes(garbage);
        assertRejected(announce("v2", garbage), "corrupt-model"); // sha matches the garbage: ORT must refuse
    }

    @Test
    void shouldRejectTruncatedModel() throws Exception {
        byte[] good = TinyOnnx.linear(4, 4, 3, 0.1f);
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        assertRejected(announce("v2", truncated), "corrupt-model");
    }

    @Test
    void shouldRejectShaMismatch() throws Exception {
        byte[] good = TinyOnnx.linear(4, 4, 3, 0.1f);
        LoadedCandidate.Rejected r = assertRejected(announce("v2", good, Sha256.of(new byte[] {1})), "sha-mismatch");
        assertTrue(r.detail().contains(Sha256.of(good)), r.detail());
        ModelAnnouncement rejection = r.toAnnouncement("inference-1");
        assertEquals(ModelAnnouncement.State.REJECTED, rejection.getState());
        assertEquals("v2", rejection.getVersion());
        assertTrue(rejection.getReason().startsWith("worker inference-1: sha-mismatch: "), rejection.getReason());
    }

    @Test
    void shouldRejectWrongInputShape() throws Exception {
        LoadedCandidate.Rejected r = assertRejected(announce("v2", TinyOnnx.linear(5, 5, 3, 0.1f)), "signature-mismatch");
        assertTrue(r.detail().contains("[-1, 1, 5, 5]"), r.detail());
    }

    @Test
    void shouldRejectDifferentClassCountUnlessAllowed() throws Exception {
        ModelAnnouncement fiveClasses = announce("v2", TinyOnnx.linear(4, 4, 5, 0.1f));
        try (ModelCandidateLoader strict = new ModelCandidateLoader(dev.glimpse.runtime.ExecutionDevice.CPU,
                dev.glimpse.runtime.SessionTuning.defaults(), 2, false)) {
            LoadedCandidate r = strict.load(fiveClasses, SERVING);
            assertEquals("signature-mismatch", assertInstanceOf(LoadedCandidate.Rejected.class, r).reason());
        }
        try (ModelCandidateLoader lenient = ModelCandidateLoader.onCpu();
             LoadedCandidate.Ready ready = assertInstanceOf(LoadedCandidate.Ready.class, lenient.load(fiveClasses, SERVING))) {
            assertEquals(5, ready.graph().classCount());
        }
    }

    @Test
    void shouldRejectNanProducingWeights() throws Exception {
        float[] w = new float[16 * 3];
        w[5] = Float.NaN;
        LoadedCandidate.Rejected r = assertRejected(announce("v2", TinyOnnx.linear(4, 4, 3, w)), "non-finite-output");
        assertTrue(r.detail().contains("NaN"), r.detail());
    }

    @Test
    void shouldRejectInfProducingWeights() throws Exception {
        assertRejected(announce("v2", TinyOnnx.linear(4, 4, 3, 3e38f)), "non-finite-output");
    }

    @Test
    void shouldRejectAModelWithoutPreprocessingContractWithTheOneLineNamingModelsImport() throws Exception {
        // Given a candidate whose graph fits the serving signature but whose metadata_props are empty
        ModelAnnouncement raw = announce("v2", TinyOnnx.linearWithoutContract(4, 4, 3, 0.1f));

        // When it is loaded, Then it is rejected as bad metadata, never served with guessed preprocessing
        LoadedCandidate.Rejected r = assertRejected(raw, "bad-metadata");
        String expected = new MissingModelContractException(dir.resolve("v2.onnx").toString(),
                ModelMetadataKeys.CONTRACT).getMessage();
        assertEquals(expected, r.detail());
        assertFalse(r.detail().contains("\n"), "one line");
        assertTrue(r.detail().contains("./glimpse models import"), r.detail());
    }

    @Test
    void shouldRejectMissingFile() throws Exception {
        ModelAnnouncement a = ModelAnnouncement.newBuilder().setModelName("m").setVersion("v9")
                .setUri(dir.resolve("absent.onnx").toString()).setSha256("00").build();
        assertRejected(a, "unreadable");
    }

    private static LoadedCandidate.Rejected assertRejected(ModelAnnouncement a, String reason) {
        try (ModelCandidateLoader loader = ModelCandidateLoader.onCpu()) {
            LoadedCandidate result = loader.load(a, SERVING);
            LoadedCandidate.Rejected r = assertInstanceOf(LoadedCandidate.Rejected.class, result, result.toString());
            assertEquals(reason, r.reason(), r.detail());
            return r;
        }
    }
}
