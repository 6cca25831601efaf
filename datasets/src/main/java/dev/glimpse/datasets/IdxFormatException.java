package dev.glimpse.datasets;

import java.io.IOException;

/** An IDX file whose header or body does not match the IDX format or what the caller expected. */
public final class IdxFormatException extends IOException {
    public IdxFormatException(String message) {
        super(message);
    }
}
