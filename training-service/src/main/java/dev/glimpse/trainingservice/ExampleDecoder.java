package dev.glimpse.trainingservice;

import ai.onnxruntime.OrtException;
import dev.glimpse.contracts.events.TrainingExample;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.PreprocessingException;
import dev.glimpse.runtime.Preprocessor;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Decodes a training example's image bytes to the 8-bit pixels the model sees: runtime's one decoder (pixel limit
 * read from the header) and one preprocessing ({@link Preprocessor#modelPixels}: colour, resize + crop or
 * letterbox), so that {@link Preprocessor#normalise} of an example is exactly what inference feeds the model.
 */
public final class ExampleDecoder {
    private final Preprocessor preprocessor;
    private final ImageLimits limits;

    public ExampleDecoder(Preprocessor preprocessor) {
        this(preprocessor, ImageLimits.DEFAULT);
    }

    /** @param limits an image over them is refused from its header, before any pixel is decoded */
    public ExampleDecoder(Preprocessor preprocessor, ImageLimits limits) {
        this.preprocessor = preprocessor;
        this.limits = limits;
    }

    /**
     * The decoder of a model file's preprocessing contract.
     *
     * @throws MissingModelContractException when the model has no preprocessing contract
     */
    public static ExampleDecoder forModel(Path model) throws IOException, OrtException {
        return forModel(model, ImageLimits.DEFAULT);
    }

    /** @throws MissingModelContractException when the model has no preprocessing contract */
    public static ExampleDecoder forModel(Path model, ImageLimits limits) throws IOException, OrtException {
        ModelMetadata.requireContract(model);
        try (PlacedSession s = OrtSessions.open(model, ExecutionDevice.CPU)) {
            return new ExampleDecoder(new Preprocessor(ModelMetadata.read(s.session())), limits);
        }
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    /**
     * @throws PreprocessingException with the dead-letter reason when the bytes exceed the limits or are not a
     *                                decodable image; its message names the image
     */
    public LabeledImage decode(TrainingExample example) {
        byte[] bytes = example.getImage().getData().toByteArray();
        DecodedImage image;
        try {
            image = DecodedImage.decode(bytes, limits);
        } catch (PreprocessingException e) {
            throw new PreprocessingException(e.reason(), "cannot decode image " + example.getImageId() + " ("
                    + e.reason() + "): " + e.getMessage(), e);
        }
        ModelMetadata m = preprocessor.metadata();
        return new LabeledImage(example.getImageId(), m.channels(), m.height(), m.width(),
                preprocessor.modelPixels(image), example.getLabel().getLabel());
    }
}
