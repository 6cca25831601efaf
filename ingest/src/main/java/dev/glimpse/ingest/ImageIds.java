package dev.glimpse.ingest;

import dev.glimpse.ingest.validation.ImageInfo;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The image ids ingest accepted lately, each with the SHA-256 of its bytes and its label: a second upload under an
 * id it remembers is a retry when it carries the same bytes and label (answered as the first, nothing published
 * again), a conflict otherwise (refused: it would overwrite or label another client's image). At most
 * {@code capacity} ids, the least recently used forgotten first: the protection holds within that window only (an
 * id evicted, or accepted by another ingest instance, is not seen — the id pattern and server-assigned ids remain).
 * Thread-safe.
 */
public final class ImageIds {

    /** What a claim of an id found. */
    public sealed interface Claim {
        /** The id is new here: it is now remembered (forget it if publishing fails). */
        record Fresh() implements Claim {
        }

        /** The same bytes and label under this id were accepted before: answer as then, once that send is acknowledged. */
        record Repeated(ImageInfo info, Future<RecordMetadata> published) implements Claim {
        }

        /** The id was accepted with other bytes or another label. */
        record Conflict(String what) implements Claim {
        }
    }

    private record Entry(byte[] sha256, Integer label, ImageInfo info, Future<RecordMetadata> published) {
    }

    /** Remembers nothing: every claim is fresh (sources whose ids are unique by construction, e.g. dataset replay). */
    public static final ImageIds NONE = new ImageIds(0);

    private final int capacity;
    private final Map<String, Entry> entries;

    public ImageIds(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > ImageIds.this.capacity;
            }
        };
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Claims {@code id} for {@code data} (its SHA-256) with {@code label} (null = none).
     *
     * @param published completes when the image of a fresh claim is stored in Kafka; a retry waits on it
     */
    public Claim claim(String id, byte[] data, Integer label, ImageInfo info, Future<RecordMetadata> published) {
        if (capacity == 0) {
            return new Claim.Fresh();
        }
        byte[] digest = sha256(data);
        synchronized (entries) {
            Entry seen = entries.get(id);
            if (seen == null) {
                entries.put(id, new Entry(digest, label, info, published));
                return new Claim.Fresh();
            }
            if (!MessageDigest.isEqual(seen.sha256(), digest)) {
                return new Claim.Conflict("different content");
            }
            if (!Objects.equals(seen.label(), label)) {
                return new Claim.Conflict("label " + (seen.label() == null ? "none" : seen.label()));
            }
            return new Claim.Repeated(seen.info(), seen.published());
        }
    }

    /** Forgets {@code id} if it is still claimed for {@code data} (its first publication failed). */
    public void forget(String id, byte[] data) {
        if (capacity == 0) {
            return;
        }
        byte[] digest = sha256(data);
        synchronized (entries) {
            Entry seen = entries.get(id);
            if (seen != null && MessageDigest.isEqual(seen.sha256(), digest)) {
                entries.remove(id);
            }
        }
    }

    /** Ids remembered now. */
    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
