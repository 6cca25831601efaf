package dev.glimpse.runtime;

/** What a classifier's first output holds: {@code logits} (softmax them) or {@code probabilities} (use as is). */
public enum OutputKind {
    LOGITS, PROBABILITIES;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
