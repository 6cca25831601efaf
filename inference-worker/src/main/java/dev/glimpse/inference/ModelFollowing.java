package dev.glimpse.inference;

import ai.onnxruntime.OrtException;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.registry.announce.KafkaModelAnnouncer;
import dev.glimpse.registry.objectstore.ObjectStore;
import dev.glimpse.registry.swap.HotSwapSlot;
import dev.glimpse.registry.swap.LoadedCandidate;
import dev.glimpse.registry.swap.ModelCandidateLoader;
import dev.glimpse.registry.swap.ModelSwapper;
import dev.glimpse.registry.swap.ModelsTopicListener;
import dev.glimpse.registry.swap.ServingSignature;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.SessionTuning;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted {@code models} topic for the served model: a PROMOTED version is loaded and verified in the
 * background and staged in the serving slot, a SHADOW version in the {@link #shadowSlot()}; a model this worker
 * cannot serve is announced REJECTED. The scoring thread switches between batches.
 */
final class ModelFollowing {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class); // the worker's log category

    /** {@code glimpse_models_listener_following{worker}}: 1 while announcements on the models topic are followed. */
    static final String FOLLOWING_GAUGE = "glimpse.models.listener.following";

    private final String workerId;
    private final ExecutionDevice device;
    private final SessionTuning tuning;
    /** The metadata the decoders preprocess by (the start model's): a replacement must take the same input. */
    private final ModelMetadata servingPreprocessing;
    private final HotSwapSlot<ServingModel> shadowSlot = new HotSwapSlot<>(null);
    private ModelCandidateLoader loader;
    private Optional<ObjectStore> store = Optional.empty();
    private Producer<String, ModelAnnouncement> announcementProducer;
    private ModelSwapper<ServingModel> swapper;
    private ModelsTopicListener modelsListener;

    /** Starts the {@code models} listener; replacements run on the start model's device with its session tuning. */
    ModelFollowing(InferenceConfig config, TopicCatalog catalog, KafkaClients clients, MeterRegistry registry,
                   Classifier start, HotSwapSlot<ServingModel> serving, SessionTuning tuning) {
        this.workerId = config.workerId();
        this.device = config.device();
        this.tuning = tuning;
        this.servingPreprocessing = start.preprocessor().metadata();
        String modelName = config.modelName() != null ? config.modelName() : start.metadata().name();
        try {
            store = config.store().open();
            store.ifPresent(st -> LOG.info("inference worker {}: reading announced models from {}", workerId, st.describe()));
            loader = new ModelCandidateLoader(config.device(), tuning, 4, true, config.store().fetcher(store));
            announcementProducer = clients.producer(workerId + "-models", catalog.models());
            swapper = new ModelSwapper<>(modelName, workerId, start.metadata().version(),
                    ServingSignature.of(start.graphFacts()), loader, this::servingModelOf, serving, shadowSlot,
                    new KafkaModelAnnouncer(announcementProducer, catalog.models()), registry);
            modelsListener = new ModelsTopicListener(clients.consumer(null, workerId + "-models"),
                    catalog.models(), modelName, swapper);
            modelsListener.start();
            ModelsTopicListener listener = modelsListener;
            Gauge.builder(FOLLOWING_GAUGE, listener, l -> l.following() ? 1 : 0)
                    .description("1 while the models topic is followed (0: waiting for the topic, retrying, stopped)")
                    .tag("worker", workerId).register(registry);
            LOG.info("inference worker {}: following {} for model '{}'", workerId, catalog.models().name(),
                    modelName);
        } catch (RuntimeException e) {
            stopListening();
            close();
            throw e;
        }
    }

    /** The serving wrapper of a verified model: a Classifier built from exactly the bytes whose sha256 was checked. */
    private ServingModel servingModelOf(LoadedCandidate.Ready ready) throws OrtException, IncompatibleModelException {
        byte[] bytes = ready.verifiedBytes();
        String version = ready.announcement().getVersion();
        // the loader validated the metadata as at start; it must also ask for the input our decoders prepare
        Optional<String> mismatch = PreprocessingCompatibility.mismatch(servingPreprocessing, ready.metadata());
        if (mismatch.isPresent()) {
            LOG.warn("inference worker {}: refusing model version {}: {}", workerId, version, mismatch.get());
            // not closing ready: when the factory throws, the swapper closes it (a second close would throw)
            throw new IncompatibleModelException("incompatible-preprocessing: " + mismatch.get());
        }
        ServingModel model = new ServingModel(Classifier.load(bytes, ready.announcement().getUri(), device, tuning),
                ready.announcement().getModelName(), version);
        ready.close(); // only once nothing can throw any more, for the same reason
        return model;
    }

    /** A verified model this worker cannot serve; its message is the rejection's detail. */
    static final class IncompatibleModelException extends Exception {
        IncompatibleModelException(String message) {
            super(message);
        }

        @Override
        public String toString() {
            return getMessage(); // read in the REJECTED announcement's reason, without the class name
        }
    }

    /** The SHADOW model, staged for the scoring thread's next batch. */
    HotSwapSlot<ServingModel> shadowSlot() {
        return shadowSlot;
    }

    /** Where the models topic listener is (null once stopped listening). */
    ModelsTopicListener.State listenerState() {
        ModelsTopicListener l = modelsListener;
        return l == null ? ModelsTopicListener.State.STOPPED : l.state();
    }

    /** The share of images the shadow model answers. */
    double shadowFraction() {
        ModelSwapper<ServingModel> s = swapper;
        return s == null ? 0 : s.shadowFraction();
    }

    /** The SHADOW version loaded and answering its share of traffic, or null. */
    String shadowVersion() {
        ModelSwapper<ServingModel> s = swapper;
        return s == null ? null : s.shadowVersion();
    }

    /** Stops reading announcements and loading candidates (first, so nothing is staged while the worker stops). */
    void stopListening() {
        if (modelsListener != null) {
            modelsListener.close();
            modelsListener = null;
        }
        if (loader != null) {
            loader.close();
            loader = null;
        }
        store.ifPresent(ObjectStore::close);
        store = Optional.empty();
    }

    /** Closes the shadow model and the announcement producer, after the scoring thread stopped. */
    void close() {
        shadowSlot.close();
        if (announcementProducer != null) {
            announcementProducer.close(Duration.ofSeconds(2));
            announcementProducer = null;
        }
    }
}
