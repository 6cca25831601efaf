package dev.glimpse.platform.kafka;

/** Machine-readable reasons of {@code DeadLetter.reason}; {@link #code()} is the value on the wire and in metrics. */
public enum DeadLetterReason {
    /** Not a format this deployment decodes (e.g. GIF, BMP, TIFF, or not an image at all). */
    UNSUPPORTED_FORMAT("unsupported-format"),
    /** Payload larger than the configured byte limit. */
    TOO_MANY_BYTES("too-many-bytes"),
    /** Width × height from the header exceed the configured pixel limit (decompression bombs). */
    TOO_MANY_PIXELS("too-many-pixels"),
    /** The data ends before the format says it should. */
    TRUNCATED("truncated"),
    /** A recognised format whose content cannot be decoded. */
    UNDECODABLE("undecodable"),
    /** Zero bytes. */
    EMPTY("empty"),
    /** Colour model the pipeline does not accept (e.g. CMYK, 16-bit, 4-channel without a usable conversion). */
    WRONG_CHANNELS("wrong-channels"),
    /** An upload request that carries no image (e.g. multipart without a file part). */
    MISSING_IMAGE("missing-image"),
    /** Bytes on a topic that are not the expected protobuf event. */
    MALFORMED_EVENT("malformed-event"),
    /** The model failed on this input. */
    INFERENCE_FAILED("inference-failed"),
    /** A label that is not a class index of the model. */
    BAD_LABEL("bad-label"),
    /** An upload under an image id already taken by other content (ingest answers 409). */
    ID_CONFLICT("id-conflict"),
    /** A stream stage failed on a well-formed event (the exception is in the detail). */
    PROCESSING_FAILED("processing-failed");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return code;
    }
}
