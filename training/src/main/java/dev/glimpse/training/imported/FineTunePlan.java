package dev.glimpse.training.imported;

import dev.glimpse.engine.onnx.Onnx.ModelProto;
import java.util.List;
import java.util.Set;

/**
 * An imported classifier made ready for fine-tuning ({@link ImportedClassifier#plan}).
 *
 * @param model       the graph to train: the parent's, with a new head when one was asked for and private copies of
 *                    trainable weights that frozen layers shared; every other initializer is the parent's own
 * @param classes     the number of classes of the (new) head
 * @param trainable   initializers that get gradients and updates, in node order
 * @param headWeights the head's trainable initializers (full learning rate; the others get the backbone scale)
 * @param layers      the trainable layers, for the log
 */
public record FineTunePlan(ImportedClassifier parent, ModelProto model, ClassifierHead head, int classes,
                           List<String> trainable, Set<String> headWeights, List<String> layers) {
}
