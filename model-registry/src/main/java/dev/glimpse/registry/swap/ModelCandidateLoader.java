package dev.glimpse.registry.swap;

import ai.onnxruntime.OnnxJavaType;
import java.util.Arrays;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.SessionTuning;
import dev.glimpse.registry.objectstore.ObjectFetcher;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads an announced model off the serving path and decides whether it may serve: reads the bytes from the
 * announcement's store URI ({@code s3://bucket/key} through a verifying local cache, or a file), checks their sha256 against the announcement, opens an ONNX Runtime session from those same
 * bytes (no re-read between check and use), checks the input/output signature against the serving model, and
 * warms it up on a probe batch whose every output must be finite. A model without a preprocessing contract is
 * rejected ({@code bad-metadata}) with the one line of {@link ModelMetadata#requireContract}. Any failure yields a
 * {@link LoadedCandidate.Rejected} with a machine-readable reason; the serving model is never touched.
 */
public final class ModelCandidateLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCandidateLoader.class);

    private final ExecutionDevice device;
    private final SessionTuning tuning;
    private final int probeBatch;
    private final boolean allowClassCountChange;
    private final ExecutorService background;
    private final ObjectFetcher fetcher;

    /** A loader that reads announced models from local files only (no object store configured). */
    public ModelCandidateLoader(ExecutionDevice device, SessionTuning tuning, int probeBatch,
                                boolean allowClassCountChange) {
        this(device, tuning, probeBatch, allowClassCountChange, ObjectFetcher.localFilesOnly());
    }

    /**
     * @param probeBatch            warm-up batch size (>= 1); the probe is seeded noise plus an all-zero image
     * @param allowClassCountChange accept a candidate whose output has a different class count (replaced head)
     * @param fetcher               reads the announced store URI ({@code s3://} or a file) and checks its sha256
     */
    public ModelCandidateLoader(ExecutionDevice device, SessionTuning tuning, int probeBatch,
                                boolean allowClassCountChange, ObjectFetcher fetcher) {
        if (probeBatch < 1) {
            throw new IllegalArgumentException("probe batch must be >= 1, got " + probeBatch);
        }
        this.device = device;
        this.tuning = tuning;
        this.probeBatch = probeBatch;
        this.allowClassCountChange = allowClassCountChange;
        this.fetcher = fetcher;
        this.background = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(null, r, "model-candidate-loader", 16L << 20);
            t.setDaemon(true);
            return t;
        });
    }

    public static ModelCandidateLoader onCpu() {
        return new ModelCandidateLoader(ExecutionDevice.CPU, SessionTuning.defaults(), 4, true);
    }

    /** Loads on this loader's background thread; the future never completes exceptionally. */
    public CompletableFuture<LoadedCandidate> loadInBackground(ModelAnnouncement announcement, ServingSignature serving) {
        return CompletableFuture.supplyAsync(() -> load(announcement, serving), background);
    }

    /**
     * Loads on the calling thread.
     *
     * @param serving signature of the model serving now, or null when nothing serves yet (first model)
     */
    public LoadedCandidate load(ModelAnnouncement announcement, ServingSignature serving) {
        long start = System.nanoTime();
        byte[] bytes;
        try {
            bytes = fetcher.fetchVerified(announcement.getUri(), announcement.getSha256());
        } catch (ObjectFetcher.FetchException e) {
            return reject(announcement, e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            return reject(announcement, "unreadable", "cannot read model '" + announcement.getUri() + "': " + e);
        }
        String sha = announcement.getSha256().toLowerCase(); // verified by the fetcher
        PlacedSession placed;
        try {
            placed = OrtSessions.open(bytes, device, tuning);
        } catch (OrtException | RuntimeException e) {
            return reject(announcement, "corrupt-model", "ONNX Runtime cannot load it: " + e.getMessage());
        }
        try {
            GraphFacts graph = GraphFacts.of(placed.session());
            if (serving != null) {
                Optional<String> mismatch = serving.mismatch(ServingSignature.of(graph), allowClassCountChange);
                if (mismatch.isPresent()) {
                    placed.close();
                    return reject(announcement, "signature-mismatch", mismatch.get());
                }
            }
            ModelMetadata metadata;
            try {
                Map<String, String> props = placed.session().getMetadata().getCustomMetadata();
                // never served with guessed preprocessing: the one line names the command that writes the contract
                ModelMetadata.requireContract(props, announcement.getUri());
                metadata = ModelMetadata.parse(props, graph);
            } catch (RuntimeException e) {
                placed.close();
                return reject(announcement, "bad-metadata", e.getMessage());
            }
            Optional<String> probeFailure = warmUp(placed.session(), graph, metadata, probeBatch);
            if (probeFailure.isPresent()) {
                placed.close();
                return reject(announcement, probeFailure.get().startsWith("non-finite") ? "non-finite-output"
                        : "warmup-failed", probeFailure.get());
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            LOG.info("model {}/{} verified (sha256 {}, {}) and warmed up in {} ms on {}", announcement.getModelName(),
                    announcement.getVersion(), sha.substring(0, 12), graph, ms, placed.device());
            return new LoadedCandidate.Ready(announcement, placed, metadata, graph, bytes, ms);
        } catch (OrtException | RuntimeException e) {
            placed.close();
            return reject(announcement, "corrupt-model", "cannot inspect the model graph: " + e.getMessage());
        }
    }

    /**
     * Runs a probe batch twice (the first run allocates) and checks every float output is finite; returns why it
     * failed, or empty. Public so a caller that builds its own session from {@link LoadedCandidate.Ready#verifiedBytes()}
     * can warm that one up too.
     */
    public static Optional<String> warmUp(OrtSession session, GraphFacts graph, ModelMetadata metadata, int probeBatch)
            throws OrtException {
        long[] shape = graph.inputShape();
        long[] probeShape = new long[shape.length];
        probeShape[0] = probeBatch;
        long perSample = 1;
        for (int d = 1; d < shape.length; d++) {
            // dynamic non-batch dims take the metadata's size (H, W) or 1
            probeShape[d] = shape[d] > 0 ? shape[d] : (d == 2 ? metadata.height() : d == 3 ? metadata.width() : 1);
            perSample *= probeShape[d];
        }
        float[] data = new float[(int) (probeBatch * perSample)];
        Random random = new Random(42);
        float[] mean = metadata.mean();
        float[] std = metadata.std();
        long plane = shape.length == 4 ? probeShape[2] * probeShape[3] : perSample;
        // sample 0 stays all zero (pixel value = mean); others are pixels uniform in [0, 1] normalised as served
        for (int i = (int) perSample; i < data.length; i++) {
            int c = (int) ((i % perSample) / plane) % mean.length;
            data[i] = (random.nextFloat() - mean[c]) / std[c];
        }
        for (int round = 0; round < 2; round++) {
            try (OnnxTensor input = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(data), probeShape);
                 OrtSession.Result result = session.run(Map.of(graph.inputName(), input))) {
                for (Map.Entry<String, OnnxValue> out : result) {
                    if (out.getValue() instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
                        FloatBuffer fb = t.getFloatBuffer();
                        for (int i = 0; i < fb.limit(); i++) {
                            if (!Float.isFinite(fb.get(i))) {
                                return Optional.of("non-finite value " + fb.get(i) + " in output '" + out.getKey()
                                        + "' at flat index " + i + " of the probe batch");
                            }
                        }
                    }
                }
            } catch (OrtException e) {
                return Optional.of("probe batch " + Arrays.toString(probeShape) + " failed: " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    private static LoadedCandidate.Rejected reject(ModelAnnouncement a, String reason, String detail) {
        LOG.warn("model {}/{} rejected ({}): {}", a.getModelName(), a.getVersion(), reason, detail);
        return new LoadedCandidate.Rejected(a, reason, detail);
    }

    @Override
    public void close() {
        background.shutdownNow();
    }
}
