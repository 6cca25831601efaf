package dev.glimpse.explainworker;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.datasets.Datasets;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.ShapesConfig;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Dev-time measurement, not part of the build (no *Test suffix): trains the {@code small} CNN on synthetic
 * shapes and reports the explain worker's Grad-CAM pointing-game hit rate and mean faithfulness on held-out
 * shapes. Run: {@code mvn -o -pl explain-worker test -Dtest=ShapesPointingExperiment -Dsurefire.failIfNoSpecifiedTests=false}
 * (system properties shapes.arch, shapes.train, shapes.epochs, shapes.eval, shapes.layer, shapes.tolerance, shapes.model to reuse
 * a trained model).
 */
class ShapesPointingExperiment {

    @Test
    void measureGradCamPointingGameOnShapes() throws Exception {
        int train = Integer.getInteger("shapes.train", 6000);
        int eval = Integer.getInteger("shapes.eval", 200);
        int epochs = Integer.getInteger("shapes.epochs", 3);
        Path dir = Files.createDirectories(Path.of("target", "shapes-experiment"));
        DatasetSplit split = Datasets.open("shapes", ShapesConfig.DEFAULT, train, Math.max(eval, 500));
        Path model = System.getProperty("shapes.model") != null ? Path.of(System.getProperty("shapes.model"))
                : dir.resolve("shapes-small.onnx");
        if (!Files.isRegularFile(model)) {
            TrainingJob.trainTo(model, "shapes", split, "shapes", System.getProperty("shapes.arch", "small"), TrainingConfig.defaults().withEpochs(epochs)
                    .withProgress(false), "1", "ShapesPointingExperiment", System.err);
        }
        ExplainWorkerConfig d = ExplainWorkerConfig.defaults("localhost:1", TopicCatalog.defaults(), model, dir.resolve("art"))
                .withMethods(ExplainWorkerConfig.DEFAULT_METHODS, System.getProperty("shapes.layer"));
        // shapes.tolerance: pointing-game tolerance in pixels at 224 px (default the protocol's 15; 0 = strictly on the mask)
        double tolerance = Double.parseDouble(System.getProperty("shapes.tolerance", String.valueOf(d.pointingTolerance())));
        ExplainWorkerConfig cfg = new ExplainWorkerConfig(d.bootstrapServers(), d.catalog(), d.modelPath(), d.artifactDir(),
                d.artifactLimits(), d.policy(), d.methods(), d.layer(), d.maxBatch(), d.maxWait(), d.groupId(), d.instanceId(),
                d.imageCacheEntries(), d.imageCacheBytes(), d.imageLookback(), d.imageWait(), d.deviceSpec(), tolerance,
                d.faithfulnessSteps(), d.kafkaProperties(), d.imageLimits(), d.store(), d.load(), d.explanation());
        try (OnnxExplanationEngine engine = new OnnxExplanationEngine(cfg, new ModelCatalog(model),
                new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults()))) {
            for (String method : List.of("gradcam", "guided-gradcam")) {
                List<ExplainItem> items = new ArrayList<>();
                for (int i = 0; i < eval; i++) {
                    LabeledImage li = split.test().get(i);
                    ImageEvent img = ImageEvent.newBuilder().setImageId("s" + i).setData(ByteString.copyFrom(li.toPng()))
                            .setWidth(li.width()).setHeight(li.height()).setChannels(li.channels())
                            .setObjectMask(ByteString.copyFrom(li.mask())).setLabel(li.label()).build();
                    Prediction p = Prediction.newBuilder().setImageId("s" + i).setModelName("shapes").setModelVersion("1")
                            .addTopK(ClassScore.newBuilder().setClassIndex(li.label())).build();
                    items.add(new ExplainItem(p, img, method, li.label(), "all"));
                }
                long t0 = System.nanoTime();
                int hits = 0;
                int games = 0;
                double del = 0;
                double drop = 0;
                int ok = 0;
                long methodMs = 0;
                long totalMs = 0;
                int[] classHits = new int[split.test().numClasses()];
                int[] classGames = new int[split.test().numClasses()];
                Path samples = Files.createDirectories(dir.resolve("samples"));
                List<ExplanationEngine.Result> results = new ArrayList<>();
                for (int s = 0; s < items.size(); s += 8) {
                    // micro-batches of 8, as the worker's default --batch
                    results.addAll(engine.explain(items.subList(s, Math.min(items.size(), s + 8))));
                }
                for (ExplanationEngine.Result r : results) {
                    int idx = Integer.parseInt(r.item().prediction().getImageId().substring(1));
                    if (idx < 12 && r.succeeded()) {
                        // inputs, masks and raw maps for an independent cross-check (e.g. PyTorch autograd)
                        Files.write(samples.resolve("s" + idx + ".png"), r.item().image().getData().toByteArray());
                        Files.write(samples.resolve("s" + idx + ".mask"), r.item().image().getObjectMask().toByteArray());
                        Files.write(samples.resolve("s" + idx + "." + method + ".npy"), engine.store().read(
                                dev.glimpse.registry.artifacts.ArtifactId.fromUri(r.event().getArtifacts(0).getRawUri())).orElseThrow());
                        Files.writeString(samples.resolve("s" + idx + ".label"), String.valueOf(r.item().target()));
                    }
                    if (!r.succeeded()) {
                        System.out.println("failed: " + r.failureDetail());
                        continue;
                    }
                    ok++;
                    methodMs += r.event().getArtifacts(0).getDurationMs();
                    totalMs += r.event().getTotalMs();
                    var f = r.event().getArtifacts(0).getFaithfulness();
                    del += f.getDeletionAuc();
                    drop += f.getAverageDrop();
                    if (f.getHasPointingGame()) {
                        games++;
                        hits += f.getPointingGameHit() ? 1 : 0;
                        classGames[r.item().target()]++;
                        classHits[r.item().target()] += f.getPointingGameHit() ? 1 : 0;
                    }
                }
                System.out.printf(Locale.ROOT, "%s on %d shapes (target = true class): pointing game %d/%d = %.3f, "
                                + "mean deletion AUC %.3f, mean average drop %.3f, %.1f ms per image%n", method, ok, hits, games,
                        hits / (double) Math.max(1, games), del / Math.max(1, ok), drop / Math.max(1, ok),
                        (System.nanoTime() - t0) / 1e6 / Math.max(1, ok));
                StringBuilder perClass = new StringBuilder("  per class:");
                for (int k = 0; k < classGames.length; k++) {
                    perClass.append(String.format(Locale.ROOT, " %s %d/%d", split.test().classNames().get(k), classHits[k], classGames[k]));
                }
                System.out.println(perClass);
                System.out.printf(Locale.ROOT, "  mean method time %.1f ms, mean total per item (method + render + store + faithfulness) %.1f ms%n",
                        methodMs / (double) Math.max(1, ok), totalMs / (double) Math.max(1, ok));
            }
        }
    }
}
