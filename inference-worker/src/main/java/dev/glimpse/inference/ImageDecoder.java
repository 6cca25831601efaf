package dev.glimpse.inference;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.PreprocessingException;
import dev.glimpse.runtime.Preprocessor;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Parses polled records into ImageEvents and preprocesses them (PNG/JPEG decode, resize, normalise) on a small pool
 * of threads, so that decoding the next images overlaps the ONNX Runtime call on the current batch instead of
 * preceding it. Each image is answered through its own {@link PendingImage}, so the order of the batcher (and with
 * it the offset prefix that is committed) stays the poll order whatever thread finishes first.
 * <p>
 * With zero threads, images are decoded on the calling (poll) thread, as one sequential stage.
 */
final class ImageDecoder implements AutoCloseable {

    /** Images per pool task: large enough that handing over costs little, small enough to spread one poll. */
    private static final int MAX_CHUNK = 16;

    private final Preprocessor preprocessor;
    private final ImageLimits limits;
    private final int threads;
    private final ExecutorService pool;

    /** @param limits images over them are answered {@code too-many-bytes}/{@code too-many-pixels} from the header */
    ImageDecoder(Preprocessor preprocessor, ImageLimits limits, int threads, String workerId) {
        this.preprocessor = preprocessor;
        this.limits = limits;
        this.threads = threads;
        if (threads == 0) {
            pool = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "glimpse-inference-decode-" + workerId + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** Starts decoding these images (in order of the list); each one's result appears on it when done. */
    void decode(List<PendingImage> images) {
        if (pool == null) {
            images.forEach(this::decodeOne);
            return;
        }
        int n = images.size();
        // spread one poll over every thread, in chunks of at most MAX_CHUNK
        int chunk = Math.max(1, Math.min(MAX_CHUNK, (n + threads - 1) / threads));
        for (int from = 0; from < n; from += chunk) {
            List<PendingImage> part = images.subList(from, Math.min(n, from + chunk));
            try {
                pool.execute(() -> part.forEach(this::decodeOne));
            } catch (RejectedExecutionException closing) {
                // the worker is stopping: nobody will wait for these
                return;
            }
        }
    }

    private void decodeOne(PendingImage p) {
        byte[] value = p.value();
        if (value == null) {
            p.failed(null, "malformed-event", "record has no value");
            return;
        }
        ImageEvent event;
        try {
            event = ImageEvent.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            p.failed(null, "malformed-event", "not an ImageEvent: " + e.getMessage());
            return;
        }
        try {
            p.decoded(event, preprocessor.fromEncoded(event.getData().toByteArray(), limits));
        } catch (PreprocessingException e) {
            p.failed(event, e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            // not expected from the preprocessor; the image is answered with a reason rather than left waiting
            p.failed(event, "undecodable", "preprocessing failed: " + e);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
