package dev.glimpse.platform.config;

import dev.glimpse.contracts.TopicCatalog;

/**
 * The image limits of the stages that decode images read from a topic (inference worker, explain worker, training
 * service, monitoring): an image over them is dead-lettered from its header, before any pixel is decoded. Ingest
 * keeps its own, stricter-to-configure limits ({@code ingest.max.*}); these catch what any other producer writes.
 */
public final class ImageKeys {

    public static final String MAX_PIXELS = "images.max.pixels";
    public static final String MAX_BYTES = "images.max.bytes";

    /** 4096 × 4096 (runtime's {@code ImageLimits.DEFAULT_MAX_PIXELS}). */
    public static final long DEFAULT_MAX_PIXELS = 4096L * 4096L;

    private ImageKeys() {
    }

    public static ConfigDefinition definition() {
        return new ConfigDefinition("images")
                .define(MAX_PIXELS, ConfigType.LONG, DEFAULT_MAX_PIXELS, Validator.between(1, 1L << 31),
                        "Width x height (from the header) above which an image read from a topic is dead-lettered as "
                                + "too-many-pixels without being decoded (default 4096x4096: a 12 MP photo passes; the models "
                                + "take a few hundred pixels a side)")
                .define(MAX_BYTES, ConfigType.BYTES, (long) TopicCatalog.MAX_IMAGE_RECORD_BYTES,
                        Validator.between(1, Integer.MAX_VALUE),
                        "Encoded size above which an image read from a topic is dead-lettered as too-many-bytes");
    }
}
