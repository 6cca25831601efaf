package dev.glimpse.ingest;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.ingest.validation.ImageInfo;
import dev.glimpse.ingest.validation.ImageValidator;
import dev.glimpse.ingest.validation.ValidationResult;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import dev.glimpse.platform.kafka.DeadLetterReason;
import dev.glimpse.platform.kafka.LabelRange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The ingest rule: an image that passes {@link ImageValidator} gets an id and goes to {@code images} (and its label,
 * if any, to {@code labels}); anything else goes to {@code deadletter} with the reason and the original bytes.
 * Shared by the HTTP endpoint, the directory watcher and dataset replay. Thread-safe.
 */
public final class Ingestor {

    public static final String EVENTS = "glimpse.ingest.events";
    public static final String LABELS = "glimpse.ingest.labels";
    public static final String IMAGE_BYTES = "glimpse.ingest.image.bytes";
    public static final String VALIDATION = "glimpse.ingest.validation";

    private static final Pattern IMAGE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final Producer<byte[], byte[]> producer;
    private final TopicCatalog catalog;
    private final ImageValidator validator;
    private final DeadLetterPublisher deadLetters;
    private final MeterRegistry registry;
    private final Clock clock;
    private final LabelRange labels;
    private final ImageIds ids;
    private final DistributionSummary imageBytes;
    private final Timer validation;

    public Ingestor(Producer<byte[], byte[]> producer, TopicCatalog catalog, ImageValidator validator,
                    DeadLetterPublisher deadLetters, MeterRegistry registry, Clock clock, int numClasses) {
        this(producer, catalog, validator, deadLetters, registry, clock, LabelRange.fixed(numClasses, IngestConfig.NUM_CLASSES), ImageIds.NONE);
    }

    /**
     * @param labels the class indices labels must be ({@link LabelRange}: the serving model's classes)
     * @param ids    the ids accepted lately, to refuse one reused for other content ({@link ImageIds})
     */
    public Ingestor(Producer<byte[], byte[]> producer, TopicCatalog catalog, ImageValidator validator,
                    DeadLetterPublisher deadLetters, MeterRegistry registry, Clock clock, LabelRange labels, ImageIds ids) {
        this.labels = labels;
        this.ids = ids;
        this.producer = producer;
        this.catalog = catalog;
        this.validator = validator;
        this.deadLetters = deadLetters;
        this.registry = registry;
        this.clock = clock;
        this.imageBytes = DistributionSummary.builder(IMAGE_BYTES).baseUnit("bytes")
                .description("Size of accepted images").register(registry);
        this.validation = Timer.builder(VALIDATION).description("Time to validate one payload")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    public ImageValidator validator() {
        return validator;
    }

    public TopicCatalog catalog() {
        return catalog;
    }

    /** Validates and publishes (asynchronously: wait on {@link IngestOutcome#send()} for the acknowledgement). */
    public IngestOutcome ingest(ImageSubmission submission) {
        String imageId = submission.imageId() == null ? newImageId() : submission.imageId();
        byte[] data = submission.data();
        if (!IMAGE_ID.matcher(imageId).matches()) {
            return reject(DeadLetterReason.MALFORMED_EVENT, "image id '" + abbreviate(imageId)
                    + "' must be 1-128 characters of [A-Za-z0-9._:-]", newImageId(), data);
        }
        if (submission.label() != null && !isValidLabel(submission.label())) {
            return reject(DeadLetterReason.BAD_LABEL, labelProblem(submission.label()), imageId, data);
        }
        ValidationResult result = validation.record(() -> validator.validate(data));
        if (result instanceof ValidationResult.Rejected r) {
            return reject(r.reason(), r.detail(), imageId, data);
        }
        ImageInfo info = ((ValidationResult.Accepted) result).info();
        CompletableFuture<RecordMetadata> published = new CompletableFuture<>();
        ImageIds.Claim claim = ids.claim(imageId, data, submission.label(), info, published);
        if (claim instanceof ImageIds.Claim.Repeated repeated) {
            // a retry of an upload that was accepted: the same answer, nothing published twice
            return new IngestOutcome.Accepted(imageId, repeated.info(), repeated.published());
        }
        if (claim instanceof ImageIds.Claim.Conflict conflict) {
            return reject(DeadLetterReason.ID_CONFLICT, "image id '" + imageId + "' is already taken by an image with "
                    + conflict.what() + "; an id is reused only to retry the same bytes and label (leave imageId out "
                    + "to have one assigned)", imageId, data);
        }
        long now = clock.millis();
        ImageEvent.Builder event = ImageEvent.newBuilder()
                .setImageId(imageId)
                .setData(ByteString.copyFrom(data))
                .setContentType(info.format().contentType())
                .setWidth(info.width())
                .setHeight(info.height())
                .setChannels(info.channels())
                .setSource(submission.source())
                .setIngestedAtMs(now)
                .setLabel(submission.label() == null ? -1 : submission.label())
                .putAllAttributes(submission.attributes());
        if (submission.objectMask() != null) {
            event.setObjectMask(ByteString.copyFrom(submission.objectMask()));
        }
        try {
            producer.send(new ProducerRecord<>(catalog.images().name(), catalog.images().serializeKey(imageId),
                    catalog.images().serializeValue(event.build())), (metadata, failure) -> {
                        if (failure != null) {
                            ids.forget(imageId, data); // not published: a retry must be taken as new
                            published.completeExceptionally(failure);
                        } else {
                            published.complete(metadata);
                        }
                    });
        } catch (RuntimeException e) {
            ids.forget(imageId, data);
            throw e;
        }
        Counter.builder(EVENTS).description("Images accepted and published to the images topic")
                .tag("source", submission.sourceKind()).register(registry).increment();
        imageBytes.record(data.length);
        return new IngestOutcome.Accepted(imageId, info, published);
    }

    /** Publishes a label for an image (feedback); fails on a label outside the class range. */
    public Future<RecordMetadata> label(String imageId, int label, String source, String user) {
        if (imageId == null || !IMAGE_ID.matcher(imageId).matches()) {
            throw new IllegalArgumentException("image id '" + abbreviate(String.valueOf(imageId))
                    + "' must be 1-128 characters of [A-Za-z0-9._:-]");
        }
        if (!isValidLabel(label)) {
            throw new IllegalArgumentException(labelProblem(label));
        }
        Label event = Label.newBuilder().setImageId(imageId).setLabel(label).setSource(source)
                .setUser(user == null ? "" : user).setLabeledAtMs(clock.millis()).build();
        Counter.builder(LABELS).description("Labels published to the labels topic").tag("source", source)
                .register(registry).increment();
        return producer.send(new ProducerRecord<>(catalog.labels().name(), catalog.labels().serializeKey(imageId),
                catalog.labels().serializeValue(event)));
    }

    /** Dead-letters a payload refused before validation (e.g. an HTTP request without an image). */
    public IngestOutcome.Rejected reject(DeadLetterReason reason, String detail, String imageId, byte[] original) {
        Future<RecordMetadata> send = deadLetters.publish(reason, detail, imageId, original);
        return new IngestOutcome.Rejected(imageId, reason, detail, send);
    }

    public boolean isValidLabel(int label) {
        return labels.accepts(label);
    }

    private String labelProblem(int label) {
        return labels.problem(label);
    }

    /** Whether {@code id} is an image id a client may choose: 1-128 characters of [A-Za-z0-9._:-]. */
    public static boolean isValidImageId(String id) {
        return id != null && IMAGE_ID.matcher(id).matches();
    }

    public static String newImageId() {
        return UUID.randomUUID().toString();
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
