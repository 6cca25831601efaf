package dev.glimpse.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The preprocessing contract keys: defaults, combinations, and the refusal of models that have none. */
class ModelContractTest {

    private static final GraphFacts RGB224 = new GraphFacts("g", "x", new long[] {-1, 3, 224, 224}, "y", new long[] {-1, 10});

    @Test
    void shouldReadTheImagenetContractAsResizeShorterThenCenterCrop() {
        ModelMetadata m = ModelMetadata.parse(Map.of(ModelMetadataKeys.INPUT_RESIZE, "256",
                ModelMetadataKeys.INPUT_MEAN, "[0.485,0.456,0.406]", ModelMetadataKeys.INPUT_STD, "[0.229,0.224,0.225]"), RGB224);
        // resize alone implies mode shorter and a center crop (torchvision's Resize(256) -> CenterCrop(224))
        assertEquals(new Resizing(ResizeMode.SHORTER, 256, CropMode.CENTER), m.resizing());
        assertEquals(255f, m.scale());
        assertEquals(m, ModelMetadata.parse(m.toProperties(), RGB224), "round trip through metadata_props");
    }

    @Test
    void shouldKeepStretchForModelsWithOnlyASize() {
        ModelMetadata m = ModelMetadata.parse(Map.of(ModelMetadataKeys.INPUT_SIZE, "224x224"), RGB224);
        assertEquals(Resizing.STRETCH, m.resizing());
        ModelMetadata legacy = new ModelMetadata("m", "1", "", List.of(), InputColour.RGB, 224, 224, new float[3],
                new float[] {1, 1, 1}, "", Map.of(), java.util.Optional.empty(), OutputKind.LOGITS);
        assertEquals(Resizing.STRETCH, legacy.resizing(), "the 13-argument constructor keeps today's behaviour");
    }

    @Test
    void shouldComputeTorchvisionResizeAndCropGeometry() {
        Resizing r = new Resizing(ResizeMode.SHORTER, 256, CropMode.CENTER);
        // 500x375: short side 375 -> 256, long int(256 * 500 / 375) = 341; crop left round(117 / 2) = 58 (half to even)
        assertEquals(new InputGeometry(500, 375, 341, 256, 58, 16, 224, 224), r.geometry(500, 375, 224, 224));
        // x: round(53 / 2) = 26 (half to even); y: a crop larger than the resized image pads (negative offset), as F.center_crop does
        assertEquals(new InputGeometry(97, 33, 117, 40, 26, -12, 64, 64),
                new Resizing(ResizeMode.SHORTER, 40, CropMode.CENTER).geometry(97, 33, 64, 64));
        // letterbox: 150x260 into 64x64 -> 37x64, centred
        assertEquals(new InputGeometry(150, 260, 37, 64, -13, 0, 64, 64),
                new Resizing(ResizeMode.LETTERBOX, 0, CropMode.NONE).geometry(150, 260, 64, 64));
    }

    @Test
    void shouldRefuseContradictoryResizeKeysNamingTheKey() {
        InvalidModelMetadataException e = assertThrows(InvalidModelMetadataException.class, () -> ModelMetadata.parse(
                Map.of(ModelMetadataKeys.INPUT_RESIZE_MODE, "shorter", ModelMetadataKeys.INPUT_CROP, "none"), RGB224));
        assertEquals(ModelMetadataKeys.INPUT_CROP, e.key());
        assertThrows(InvalidModelMetadataException.class, () -> ModelMetadata.parse(
                Map.of(ModelMetadataKeys.INPUT_RESIZE_MODE, "fit"), RGB224));
        assertThrows(InvalidModelMetadataException.class, () -> ModelMetadata.parse(
                Map.of(ModelMetadataKeys.INPUT_SCALE, "0"), RGB224));
    }

    @Test
    void shouldRefuseAModelWithoutContractInOneLineNamingKeysAndImport() {
        MissingModelContractException e = assertThrows(MissingModelContractException.class,
                () -> ModelMetadata.requireContract(Map.of(ModelMetadataKeys.NAME, "raw"), "raw.onnx"));
        assertEquals(ModelMetadataKeys.CONTRACT, e.missingKeys());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().contains("./glimpse models import --model raw.onnx --out raw-imported.onnx"), e.getMessage());
    }

    @Test
    void shouldReadMetadataPropsFromTheFileWithoutLoadingIt() throws Exception {
        // tiny-gray carries a contract, tiny-rgb-bare has none
        ModelMetadata.requireContract(TestModels.path("tiny-gray.onnx"));
        assertThrows(MissingModelContractException.class, () -> ModelMetadata.requireContract(TestModels.path("tiny-rgb-bare.onnx")));
        try (var session = OrtSessions.environment().createSession(TestModels.path("tiny-gray.onnx").toString())) {
            assertEquals(session.getMetadata().getCustomMetadata(), OnnxMetadataProps.read(TestModels.path("tiny-gray.onnx")));
        }
    }

    @Test
    void shouldAcceptEveryShippedModel() throws Exception {
        Path models = Path.of("..", "models");
        try (var files = Files.walk(models)) {
            List<Path> onnx = files.filter(f -> f.toString().endsWith(".onnx")).toList();
            assertFalse(onnx.isEmpty(), "no models under " + models.toAbsolutePath());
            for (Path f : onnx) {
                ModelMetadata.requireContract(f);
            }
        }
    }
}
