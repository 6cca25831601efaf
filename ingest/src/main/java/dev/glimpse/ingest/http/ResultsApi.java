package dev.glimpse.ingest.http;

import dev.glimpse.ingest.results.PredictionReplies;
import dev.glimpse.ingest.results.PredictionResults;
import dev.glimpse.ingest.results.ResultsJson;
import dev.glimpse.platform.http.HttpError;
import java.util.Map;

/**
 * What the results routes need, set once the Streams store is created (it needs the HTTP port first, as its
 * {@code application.server}); until then the routes answer 503.
 */
public final class ResultsApi {

    private final ResultsJson json;
    private volatile PredictionResults results;
    private volatile PredictionReplies replies;

    public ResultsApi(ResultsJson json) {
        this.json = json;
    }

    public void attach(PredictionResults results, PredictionReplies replies) {
        this.results = results;
        this.replies = replies;
    }

    ResultsJson json() {
        return json;
    }

    PredictionReplies replies() {
        return replies;
    }

    PredictionResults requireResults() {
        PredictionResults r = results;
        if (r == null) {
            throw new HttpError(503, "unavailable", "the results store is not running (ingest.results=false or starting)",
                    Map.of("Retry-After", "1"));
        }
        return r;
    }
}
