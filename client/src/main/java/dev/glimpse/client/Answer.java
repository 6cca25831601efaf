package dev.glimpse.client;

/** The results API's answer about one image: its prediction, still pending, or unknown. */
public sealed interface Answer {

    String id();

    /** 200: predicted. */
    record Predicted(PredictionResult result, String json) implements Answer {
        @Override
        public String id() {
            return result.id();
        }
    }

    /** 202: accepted, no prediction yet (the wait expired first). */
    record Pending(String id) implements Answer {
    }

    /** 404: never seen, or older than the store's retention. */
    record Unknown(String id) implements Answer {
    }
}
