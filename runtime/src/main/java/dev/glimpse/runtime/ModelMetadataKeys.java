package dev.glimpse.runtime;

import java.util.List;

/**
 * The ONNX {@code metadata_props} keys Glimpse reads and writes: the one place they are defined.
 * All values are strings; lists and maps are JSON. A model without a key gets the default stated here
 * (see {@link ModelMetadata#parse}), except that a model must carry {@link #CONTRACT} to be served
 * ({@link ModelMetadata#requireContract}). Pixel values are 8-bit, resized and cropped as {@link Resizing} says,
 * divided by {@link #INPUT_SCALE}, then normalised per channel as {@code (x / scale - mean[c]) / std[c]}.
 * docs/model-contract.md documents each key with the preprocessing step by step.
 */
public final class ModelMetadataKeys {

    private ModelMetadataKeys() {
    }

    /** Model name, e.g. {@code fashion-mnist}. Default: the ONNX graph name, else {@code model}. */
    public static final String NAME = "glimpse.name";

    /** Model version, any string without spaces, e.g. {@code 3} or {@code 2026-11-23T12:00Z}. Default: {@code 0}. */
    public static final String VERSION = "glimpse.version";

    /** The version this one was fine-tuned from. Default: empty (trained from scratch or unknown). */
    public static final String PARENT_VERSION = "glimpse.parent_version";

    /**
     * Class labels in output order, a JSON array of strings, e.g. {@code ["T-shirt/top","Trouser",...]}.
     * Its length must equal the number of classes when the output shape is static.
     * Default: the class indices {@code "0".."K-1"}.
     */
    public static final String LABELS = "glimpse.labels";

    /**
     * Input colour: {@code gray} (1 channel) or {@code rgb} (3 channels, R,G,B order). Must agree with a static
     * channel dimension. Default: from the input's channel dimension (1 = gray, otherwise rgb).
     */
    public static final String INPUT_COLOUR = "glimpse.input.colour";

    /**
     * Input size as {@code HxW} in pixels, e.g. {@code 28x28}. Must agree with static spatial dimensions.
     * Default: the input's static spatial dimensions, else {@code 224x224}.
     */
    public static final String INPUT_SIZE = "glimpse.input.size";

    /**
     * Per-channel mean subtracted after scaling pixels to [0,1]: a JSON array with 1 value (all channels) or one
     * per channel, e.g. {@code [0.485,0.456,0.406]}; a bare number is accepted. Default: {@code [0.0]}.
     */
    public static final String INPUT_MEAN = "glimpse.input.mean";

    /** Per-channel standard deviation, same form as {@link #INPUT_MEAN}, every value &gt; 0. Default: {@code [1.0]}. */
    public static final String INPUT_STD = "glimpse.input.std";

    /**
     * How the image is brought to the model size: {@code shorter} (the shorter side becomes {@link #INPUT_RESIZE},
     * then {@link #INPUT_CROP}), {@code stretch} (x and y scaled independently) or {@code letterbox} (aspect kept,
     * fitted inside, padded with black = pixel value 0). Default: {@code shorter} when {@link #INPUT_RESIZE} is
     * set, else {@code stretch} (what models whose metadata has only a size always got).
     */
    public static final String INPUT_RESIZE_MODE = "glimpse.input.resize_mode";

    /**
     * The shorter-side target in pixels for {@code shorter} (torchvision {@code Resize(256)}: {@code 256}); for
     * {@code stretch} with a center crop, the squash size. Default: absent; with mode {@code shorter}, the
     * shorter side of {@link #INPUT_SIZE}.
     */
    public static final String INPUT_RESIZE = "glimpse.input.resize";

    /**
     * {@code center} (torchvision {@code CenterCrop} to {@link #INPUT_SIZE} after the resize) or {@code none}.
     * Default: {@code center} for {@code shorter} and for {@code stretch} with a resize, else {@code none}.
     */
    public static final String INPUT_CROP = "glimpse.input.crop";

    /** Pixel values are divided by this before mean/std (ToTensor's 255). A number &gt; 0. Default: {@code 255}. */
    public static final String INPUT_SCALE = "glimpse.input.scale";

    /**
     * The time window of the training data, free text, ISO-8601 interval recommended
     * ({@code 2026-11-01T00:00:00Z/2026-11-20T00:00:00Z}). Default: empty.
     */
    public static final String TRAINING_WINDOW = "glimpse.training.window";

    /** Evaluation metrics, a JSON object of numbers, e.g. {@code {"accuracy":0.89,"loss":0.31}}. Default: {@code {}}. */
    public static final String METRICS = "glimpse.metrics";

    /**
     * Name of the tensor holding the penultimate-layer embedding (e.g. the input of the classifier Gemm); it need
     * not be a graph output, the inference worker exposes it. Default: absent, and the worker uses the input of
     * the last Gemm/MatMul.
     */
    public static final String EMBEDDING_OUTPUT = "glimpse.embedding.output";

    /**
     * What the first graph output holds: {@code logits} (softmax is applied) or {@code probabilities}
     * (used as is). Default: {@code logits}.
     */
    public static final String OUTPUT_KIND = "glimpse.output.kind";

    /** Every key above, in documentation order. */
    public static final List<String> ALL = List.of(NAME, VERSION, PARENT_VERSION, LABELS, INPUT_COLOUR, INPUT_SIZE,
            INPUT_MEAN, INPUT_STD, INPUT_RESIZE_MODE, INPUT_RESIZE, INPUT_CROP, INPUT_SCALE, TRAINING_WINDOW, METRICS,
            EMBEDDING_OUTPUT, OUTPUT_KIND);

    /**
     * The keys a model must carry to be served: without them Glimpse would have to guess the preprocessing, and
     * it refuses to ({@link ModelMetadata#requireContract}). Resize mode, resize, crop and scale have defaults that
     * reproduce how Glimpse's own models were always fed.
     */
    public static final List<String> CONTRACT = List.of(INPUT_COLOUR, INPUT_SIZE, INPUT_MEAN, INPUT_STD);
}
