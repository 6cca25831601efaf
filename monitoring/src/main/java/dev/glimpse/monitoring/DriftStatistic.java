package dev.glimpse.monitoring;

/** The statistics a monitoring window reports, one {@code DriftReport} each; the name is the report's statistic. */
public enum DriftStatistic {
    /** Live accuracy of labeled outcomes in the window; alarm when it falls accuracy-drop below the reference. */
    ACCURACY("accuracy"),
    /** Population Stability Index of the predicted-class distribution vs the reference. */
    CLASS_PSI("class-psi"),
    /** Jensen–Shannon divergence (bits) of the predicted-class distribution vs the reference. */
    CLASS_JS("class-js"),
    /** Two-sample KS of top-1 confidences vs the reference; value = D, details p_value. */
    CONFIDENCE_KS("confidence-ks"),
    /** Unbiased RBF MMD² of embeddings vs the reference; details p_value (permutation) and bandwidth. */
    EMBEDDING_MMD("embedding-mmd"),
    /** Two-sample KS of input brightness (mean luminance) vs the reference. */
    BRIGHTNESS_KS("brightness-ks"),
    /** Two-sample KS of input contrast (luminance standard deviation) vs the reference. */
    CONTRAST_KS("contrast-ks");

    private final String label;

    DriftStatistic(String label) {
        this.label = label;
    }

    /** The name used in {@code DriftReport.statistic} and in the {@code statistic} tag of the metrics. */
    public String label() {
        return label;
    }

    public static DriftStatistic fromLabel(String label) {
        for (DriftStatistic s : values()) {
            if (s.label.equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown drift statistic '" + label + "'");
    }
}
