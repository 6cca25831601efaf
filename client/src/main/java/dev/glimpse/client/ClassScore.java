package dev.glimpse.client;

/** One of the top-k classes: its index, its label (the model's class name, or empty) and its probability. */
public record ClassScore(int index, String label, double probability) {
}
