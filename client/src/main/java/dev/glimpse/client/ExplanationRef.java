package dev.glimpse.client;

/**
 * One explanation of a prediction: the method, where its picture and raw array are served, and its faithfulness
 * scores when it has them (NaN otherwise; lower deletion AUC is better, higher insertion AUC is better).
 */
public record ExplanationRef(String method, String modelVersion, String imageUrl, String rawUrl, double deletionAuc,
                             double insertionAuc, double averageDrop) {
}
