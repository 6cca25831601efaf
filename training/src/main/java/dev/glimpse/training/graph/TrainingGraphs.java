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
 * The training-step graph that one ONNX Runtime call evaluates per step: the network's forward graph in training
 * form ({@link NetworkGraphs#trainingForward}), the engine's softmax cross-entropy ({@link LossBuilder}) and the
 * engine's reverse-mode backward pass w.r.t. the trainable weights ({@link GradientGraphBuilder}, which turns those
 * initializers into inputs so that one session serves every step with updated weights).
 *
 * <p>Inputs: {@code input} [N,C,H,W], {@code target} [N,K] (class probabilities, e.g. smoothed one-hot), every
 * trainable weight under its own name, one {@code <dropout>.mask} per dropout layer. Outputs: {@code loss}
 * (mean cross-entropy), {@code logits}, one gradient per trainable weight (names in
 * {@link TrainingGraph#gradientOutputs}, same order as {@link TrainingGraph#weightInputs}), and the batch-norm
 * statistics of the forward graph.
 */
public final class TrainingGraphs {

    private TrainingGraphs() {
    }

    public static TrainingGraph training(Network net, Parameters params, Set<String> trainable, BatchNormMode bnMode) {
        TrainingGraph forward = NetworkGraphs.trainingForward(net, params, trainable, bnMode);
        OnnxModel withLoss = LossBuilder.softmaxCrossEntropy(NetworkGraphs.LOGITS)
                .oneHotLabels(NetworkGraphs.TARGET).lossName(NetworkGraphs.LOSS).appendTo(OnnxModel.of(forward.model()));
        GradientGraph g = GradientGraphBuilder.forModel(withLoss)
                .differentiate(NetworkGraphs.LOSS)
                .wrt(forward.weightInputs())
                .trainableAsInputs(forward.weightInputs())
                .build();
        List<String> gradients = forward.weightInputs().stream().map(g::gradientOf).toList();
        return new TrainingGraph(g.model().proto(), forward.weightInputs(), gradients, forward.dropoutMasks(),
                forward.dropoutRates(), forward.batchNormLayers());
    }
}
