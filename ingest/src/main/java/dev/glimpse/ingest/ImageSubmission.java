package dev.glimpse.ingest;

import java.util.Map;
import java.util.Objects;

/**
 * One image offered to ingest, whatever the source.
 *
 * @param sourceKind http, directory or replay (the metrics tag)
 * @param source     full source, e.g. {@code directory:/in} or {@code replay:fashion-mnist/test}
 * @param label      class index, or {@code null} when unknown
 * @param imageId    caller-chosen id, or {@code null} to have one assigned
 * @param objectMask ground-truth object mask (width x height, 0/1), or {@code null}
 */
public record ImageSubmission(byte[] data, String sourceKind, String source, Integer label, String imageId,
                              byte[] objectMask, Map<String, String> attributes) {

    public ImageSubmission {
        Objects.requireNonNull(sourceKind, "sourceKind");
        Objects.requireNonNull(source, "source");
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public static ImageSubmission of(byte[] data, String sourceKind, String source) {
        return new ImageSubmission(data, sourceKind, source, null, null, null, Map.of());
    }
}
