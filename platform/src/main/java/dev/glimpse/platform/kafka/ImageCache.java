package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.events.ImageEvent;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Recent images by id, bounded by entry count and total encoded bytes (least recently added evicted first).
 * It is the explain worker's side of the join predictions ⋈ images: filled from the images topic, read when a
 * prediction is explained. Waiters are woken when an image arrives.
 */
public final class ImageCache {

    private final int maxEntries;
    private final long maxBytes;
    private final LinkedHashMap<String, ImageEvent> images = new LinkedHashMap<>();
    private long bytes;
    private long evicted;

    public ImageCache(int maxEntries, long maxBytes) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("image cache entries must be >= 1, got " + maxEntries);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException("image cache bytes must be >= 1, got " + maxBytes);
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    public synchronized void put(ImageEvent image) {
        ImageEvent old = images.remove(image.getImageId());
        if (old != null) {
            bytes -= weight(old);
        }
        images.put(image.getImageId(), image);
        bytes += weight(image);
        Iterator<Map.Entry<String, ImageEvent>> it = images.entrySet().iterator();
        while ((images.size() > maxEntries || bytes > maxBytes) && it.hasNext()) {
            Map.Entry<String, ImageEvent> e = it.next();
            if (e.getValue() == image) {
                break; // never evict the one just added
            }
            bytes -= weight(e.getValue());
            it.remove();
            evicted++;
        }
        notifyAll();
    }

    public synchronized Optional<ImageEvent> get(String imageId) {
        return Optional.ofNullable(images.get(imageId));
    }

    /** Waits up to {@code timeoutMs} for the image to arrive. */
    public synchronized Optional<ImageEvent> await(String imageId, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        ImageEvent e;
        while ((e = images.get(imageId)) == null) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return Optional.empty();
            }
            wait(left);
        }
        return Optional.of(e);
    }

    public synchronized int size() {
        return images.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized long evicted() {
        return evicted;
    }

    private static long weight(ImageEvent e) {
        return e.getData().size() + e.getObjectMask().size() + 64L;
    }
}
