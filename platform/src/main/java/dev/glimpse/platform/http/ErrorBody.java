package dev.glimpse.platform.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** How a server writes an error as JSON; each API keeps the error shape its clients already read. */
@FunctionalInterface
public interface ErrorBody {

    ObjectNode render(HttpError error);

    /** {@code {"error": "<message>"}} (console, operator API, metrics). */
    ErrorBody MESSAGE = e -> JsonNodeFactory.instance.objectNode().put("error", e.getMessage());

    /** {@code {"reason": "<code>", "detail": "<message>"}} (ingest). */
    ErrorBody REASON_DETAIL = e -> JsonNodeFactory.instance.objectNode().put("reason", e.code()).put("detail", e.getMessage());
}
