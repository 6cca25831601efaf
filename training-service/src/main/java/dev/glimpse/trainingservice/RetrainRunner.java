package dev.glimpse.trainingservice;

import dev.glimpse.registry.store.ModelStoreLayout;
import dev.glimpse.datasets.InMemoryDataset;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.trainingservice.lifecycle.HoldoutScore;
import dev.glimpse.trainingservice.lifecycle.PromotionPolicy;
import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.StoredModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run: fine-tune the serving model on the buffered train examples, score candidate and serving model
 * on the same holdout, store the candidate with its lineage whatever the verdict, and publish it (promote, or start
 * a shadow evaluation) only if the {@link PromotionPolicy} says it is better.
 */
public final class RetrainRunner {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainRunner.class);

    /** What a run did; {@code outcome} is one of promoted, shadow, rejected, held (pinned), skipped, failed. */
    public record Outcome(String outcome, String version, String reason, HoldoutScore current, HoldoutScore candidate,
                          Duration took) {
    }

    private final ModelStore store;
    private final ModelLifecycle lifecycle;
    private final ModelTrainer trainer;
    private final HoldoutEvaluator evaluator;
    private final PromotionPolicy policy;
    private final ExampleBuffer buffer;
    private final TrainingMetrics metrics;
    private final List<String> classNames;
    private final int minTrainExamples;
    private final Path workDir;

    public RetrainRunner(ModelStore store, ModelLifecycle lifecycle, ModelTrainer trainer, HoldoutEvaluator evaluator,
                         PromotionPolicy policy, ExampleBuffer buffer, TrainingMetrics metrics, List<String> classNames,
                         int minTrainExamples, Path workDir) {
        this.store = store;
        this.lifecycle = lifecycle;
        this.trainer = trainer;
        this.evaluator = evaluator;
        this.policy = policy;
        this.buffer = buffer;
        this.metrics = metrics;
        this.classNames = List.copyOf(classNames);
        this.minTrainExamples = minTrainExamples;
        this.workDir = workDir;
    }

    public Outcome run(String trigger) {
        long start = System.nanoTime();
        String name = lifecycle.name();
        Optional<StoredModel> serving = lifecycle.serving();
        if (serving.isEmpty()) {
            return finish("skipped", null, "no serving model of " + name + " to fine-tune", null, null, start, 0);
        }
        ExampleBuffer.Snapshot data = buffer.snapshot();
        if (data.train().size() < minTrainExamples || data.holdout().size() < policy.minHoldoutExamples()) {
            return finish("skipped", null, "not enough examples: " + data.train().size() + " train (need "
                    + minTrainExamples + "), " + data.holdout().size() + " holdout (need "
                    + policy.minHoldoutExamples() + ")", null, null, start, 0);
        }
        StoredModel parent = serving.get();
        Path candidateFile = null;
        try {
            LOG.info("training run ({}) for {}: fine-tuning {} on {} examples, holdout {}", trigger, name,
                    parent.version(), data.train().size(), data.holdout().size());
            LabeledImage first = data.train().get(0);
            InMemoryDataset train = new InMemoryDataset("feedback:" + name, data.train(), classNames,
                    first.channels(), first.height(), first.width());
            String version = "v" + (store.versions(name).stream().mapToLong(m -> ModelStoreLayout.versionNumber(m.version()))
                    .max().orElse(0) + 1);
            Files.createDirectories(workDir);
            candidateFile = Files.createTempFile(workDir, name + "-" + version + "-", ".onnx");
            ModelTrainer.Result trained = trainer.fineTune(parent.modelPath(), train, candidateFile, version,
                    parent.version());
            HoldoutScore currentScore = evaluator.score(parent.modelPath(), data.holdout());
            HoldoutScore candidateScore = evaluator.score(candidateFile, data.holdout());
            PromotionPolicy.Decision decision = policy.decide(currentScore, candidateScore);

            Map<String, Double> m = new LinkedHashMap<>();
            m.put("holdout_accuracy", candidateScore.accuracy());
            m.put("parent_holdout_accuracy", currentScore.accuracy());
            m.put("holdout_examples", (double) candidateScore.examples());
            m.put("train_examples", (double) data.train().size());
            m.put("examples_per_second", trained.examplesPerSecond());
            m.put("train_seconds", trained.seconds());
            for (int c = 0; c < candidateScore.numClasses(); c++) {
                if (!Double.isNaN(candidateScore.classAccuracy(c))) {
                    m.put("holdout_accuracy_class_" + c, candidateScore.classAccuracy(c));
                }
            }
            Map<String, String> hyper = new LinkedHashMap<>(trained.hyperparameters());
            hyper.put("trigger", trigger);
            StoredModel stored = store.publish(name, candidateFile, ModelManifest.draft(ModelState.CANDIDATE,
                    parent.version(), m, hyper, data.dataOffsets()));
            if (!stored.version().equals(version)) {
                LOG.warn("store assigned {} to the candidate whose metadata says {} (concurrent writer)",
                        stored.version(), version);
            }
            metrics.holdoutAccuracy(stored.version(), candidateScore.accuracy());
            metrics.holdoutAccuracy(parent.version(), currentScore.accuracy());
            String outcome;
            if (!decision.publish()) {
                lifecycle.reject(stored.version(), decision.reason());
                outcome = "rejected";
            } else if (lifecycle.pinned().isPresent()) {
                outcome = "held";
                LOG.info("candidate {} passed but {} is pinned to {}: kept as CANDIDATE", stored.version(), name,
                        lifecycle.pinned().get());
            } else if (lifecycle.settings().shadowFraction() > 0) {
                lifecycle.startShadow(stored, decision.reason());
                outcome = "shadow";
            } else {
                lifecycle.promote(stored.version(), decision.reason(), false);
                outcome = "promoted";
            }
            return finish(outcome, stored.version(), decision.reason(), currentScore, candidateScore, start,
                    trained.examplesPerSecond());
        } catch (Exception e) {
            LOG.error("training run for {} failed: {}", name, e.toString(), e);
            return finish("failed", null, e.toString(), null, null, start, 0);
        } finally {
            if (candidateFile != null) {
                try {
                    Files.deleteIfExists(candidateFile);
                } catch (java.io.IOException ignored) {
                    // a temp file left in the work dir is harmless
                }
            }
        }
    }

    private Outcome finish(String outcome, String version, String reason, HoldoutScore current, HoldoutScore candidate,
                           long start, double exPerSecond) {
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.run(outcome, took, exPerSecond);
        LOG.info(String.format(Locale.ROOT, "training run outcome=%s version=%s took=%.1fs%s: %s", outcome,
                version == null ? "-" : version, took.toMillis() / 1000.0,
                current == null ? "" : String.format(Locale.ROOT, " holdout %.4f -> %.4f", current.accuracy(),
                        candidate.accuracy()), reason));
        return new Outcome(outcome, version, reason, current, candidate, took);
    }
}
