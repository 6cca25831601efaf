package dev.glimpse.explainworker;

/** A model version as named in predictions: model name and version. */
public record ModelKey(String name, String version) {
    @Override
    public String toString() {
        return name + ":" + version;
    }
}
