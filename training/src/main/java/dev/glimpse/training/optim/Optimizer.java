package dev.glimpse.training.optim;

/**
 * Updates weights in place from their gradients. State (momentum, moments, step counts) is kept per parameter
 * name. Weight decay applies only to tensors of rank > 1 (conv kernels, fc matrices), not to biases or
 * batch-norm gamma/beta, as is usual.
 */
public interface Optimizer {

    /**
     * One update of parameter {@code name}.
     *
     * @param rank number of dimensions of the parameter (decides whether weight decay applies)
     * @param lr   learning rate for this parameter at this step (schedule and group scale already applied)
     */
    void update(String name, int rank, float[] weights, float[] gradient, double lr);

    String describe();

    static Optimizer create(String name, double momentum, double weightDecay) {
        return switch (name) {
            case "sgd" -> new Sgd(momentum, weightDecay, false);
            case "nesterov" -> new Sgd(momentum, weightDecay, true);
            case "adam" -> new Adam(0.9, 0.999, 1e-8, weightDecay, false);
            case "adamw" -> new Adam(0.9, 0.999, 1e-8, weightDecay, true);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "'; known: sgd, nesterov, adam, adamw");
        };
    }
}
