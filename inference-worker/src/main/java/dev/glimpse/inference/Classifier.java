package dev.glimpse.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.OutputKind;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.runtime.SessionTuning;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One classifier loaded for serving: an ONNX Runtime session created once (with the penultimate-layer embedding
 * exposed as an extra output), its validated metadata and preprocessor; a model without a preprocessing contract is
 * refused ({@link ModelMetadata#requireContract}). {@link #classify} runs a whole batch in
 * one call; every tensor and result is closed before it returns.
 */
public final class Classifier implements AutoCloseable {

    /** Scores of one image: raw output, probabilities (softmax of logits, or as is) and the embedding (may be empty). */
    public record Scored(float[] logits, float[] probabilities, float[] embedding) {
    }

    private final byte[] modelBytes;
    private final String source;
    private final Optional<String> embeddingName;
    private final ExecutionDevice requested;
    private final SessionTuning tuning;
    private final PlacedSession placed;
    private final ModelMetadata metadata;
    private final Preprocessor preprocessor;
    private final String inputName;
    private final String outputName;
    private final GraphFacts graphFacts;

    private Classifier(byte[] modelBytes, String source, Optional<String> embeddingName, ExecutionDevice requested,
                       SessionTuning tuning) throws OrtException {
        this.modelBytes = modelBytes;
        this.source = source;
        this.embeddingName = embeddingName;
        this.requested = requested;
        this.tuning = tuning;
        this.placed = OrtSessions.open(modelBytes, requested, tuning);
        try {
            GraphFacts facts = GraphFacts.of(placed.session());
            this.graphFacts = facts;
            Map<String, String> props = placed.session().getMetadata().getCustomMetadata();
            // never served with guessed preprocessing: one line naming the command that writes the contract
            ModelMetadata.requireContract(props, source);
            this.metadata = ModelMetadata.parse(props, facts);
            this.preprocessor = new Preprocessor(metadata);
            this.inputName = facts.inputName();
            this.outputName = facts.outputName();
        } catch (OrtException | RuntimeException e) {
            placed.close();
            throw e;
        }
    }

    /** Loads a model file on the requested device (see {@link OrtSessions} for cpu / cuda / auto). */
    public static Classifier load(Path model, ExecutionDevice device, SessionTuning tuning) throws IOException, OrtException {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model file '" + model + "' does not exist");
        }
        return load(Files.readAllBytes(model), model.toString(), device, tuning);
    }

    /**
     * Loads a model from its bytes.
     *
     * @param source where the bytes came from (a path or URI), named in errors
     * @throws MissingModelContractException when the model has no preprocessing contract
     */
    public static Classifier load(byte[] model, String source, ExecutionDevice device, SessionTuning tuning)
            throws OrtException {
        EmbeddingTensor.Exposed exposed = EmbeddingTensor.expose(model);
        return new Classifier(exposed.model(), source, exposed.name(), device, tuning);
    }

    /** A fresh session on the same model and device request (after the execution provider failed). */
    public Classifier rebuild() throws OrtException {
        return new Classifier(modelBytes, source, embeddingName, requested, tuning);
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** Input and output names and shapes of the served graph (what a hot-swapped replacement must match). */
    public GraphFacts graphFacts() {
        return graphFacts;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    /** The device the session runs on ({@code cpu} or {@code cuda:N}). */
    public ExecutionDevice device() {
        return placed.device();
    }

    public ExecutionDevice requestedDevice() {
        return placed.requested();
    }

    public Optional<String> embeddingName() {
        return embeddingName;
    }

    /** Classifies preprocessed samples (each {@link Preprocessor#sampleSize()} floats) in one ORT call. */
    public List<Scored> classify(List<float[]> samples) throws OrtException {
        int n = samples.size();
        if (n == 0) {
            return List.of();
        }
        Set<String> outputs = embeddingName.map(e -> Set.of(outputName, e)).orElse(Set.of(outputName));
        try (OnnxTensor input = preprocessor.batch(OrtSessions.environment(), samples);
             OrtSession.Result result = placed.session().run(Map.of(inputName, input), outputs)) {
            float[][] scores = rows(result.get(outputName).orElseThrow(), n, outputName);
            float[][] embeddings = embeddingName.isPresent()
                    ? rows(result.get(embeddingName.get()).orElseThrow(), n, embeddingName.get()) : null;
            List<Scored> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                float[] probabilities = metadata.outputKind() == OutputKind.LOGITS
                        ? ClassScores.softmax(scores[i]) : scores[i];
                out.add(new Scored(scores[i], probabilities, embeddings == null ? new float[0] : embeddings[i]));
            }
            return out;
        }
    }

    private static float[][] rows(OnnxValue value, int n, String name) {
        if (!(value instanceof OnnxTensor tensor)) {
            throw new IllegalStateException("output '" + name + "' is not a tensor");
        }
        FloatBuffer buffer = tensor.getFloatBuffer();
        if (buffer == null || buffer.remaining() % n != 0) {
            throw new IllegalStateException("output '" + name + "' is not a float tensor with a batch dimension of " + n);
        }
        int width = buffer.remaining() / n;
        float[][] rows = new float[n][width];
        for (int i = 0; i < n; i++) {
            buffer.get(rows[i]);
        }
        return rows;
    }

    @Override
    public void close() {
        placed.close();
    }

    @Override
    public String toString() {
        return "Classifier[" + metadata.name() + " v" + metadata.version() + " on " + placed.device() + "]";
    }
}
