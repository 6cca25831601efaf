package dev.glimpse.training.graph;

import dev.glimpse.engine.autodiff.GradientGraph;
import dev.glimpse.engine.autodiff.GradientGraphBuilder;
import dev.glimpse.engine.autodiff.LossBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.training.graph.NetworkGraphs.BatchNormMode;
import dev.glimpse.training.graph.NetworkGraphs.TrainingGraph;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.Parameters;
import java.util.List;
import java.util.Set;

/**
 * The training step with its backward pass written by the engine's generic reverse-mode builder
 * ({@link GradientGraphBuilder}, op-by-op rules) and its loss by {@link LossBuilder}, instead of the layer-level
 * rules of {@link NetworkGraphs#training}. Same inputs and outputs, so {@code TrainingStep} runs either; a test
 * checks that both give the same gradients, and {@code bench train --gradients engine} compares their speed.
 */
public final class EngineTrainingGraphs {

    private EngineTrainingGraphs() {
    }

    public static TrainingGraph training(Network net, Parameters params, Set<String> trainable, BatchNormMode bnMode) {
        TrainingGraph forward = NetworkGraphs.trainingForward(net, params, trainable, bnMode);
        OnnxModel withLoss = LossBuilder.softmaxCrossEntropy(NetworkGraphs.LOGITS)
                .oneHotLabels(NetworkGraphs.TARGET).lossName(NetworkGraphs.LOSS).appendTo(OnnxModel.of(forward.model()));
        GradientGraph g = GradientGraphBuilder.forModel(withLoss)
                .differentiate(NetworkGraphs.LOSS)
                .wrt(forward.weightInputs())
                .build();
        List<String> gradients = forward.weightInputs().stream().map(g::gradientOf).toList();
        return new TrainingGraph(g.model().proto(), forward.weightInputs(), gradients, forward.dropoutMasks(),
                forward.dropoutRates(), forward.batchNormLayers());
    }
}
