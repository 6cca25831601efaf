package dev.glimpse.explain.faithfulness;

import dev.glimpse.explain.Tensor;

/** Scores a batch [N,C,H,W] of inputs: one number per input (usually the target class probability). */
@FunctionalInterface
public interface BatchScorer {
    float[] score(Tensor batch);
}
