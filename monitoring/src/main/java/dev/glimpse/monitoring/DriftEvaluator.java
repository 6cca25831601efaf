package dev.glimpse.monitoring;

import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.monitoring.drift.ChiSquare;
import dev.glimpse.monitoring.drift.ClassDistributionDrift;
import dev.glimpse.monitoring.drift.KolmogorovSmirnov;
import dev.glimpse.monitoring.drift.MaximumMeanDiscrepancy;
import dev.glimpse.monitoring.internal.WindowSample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares one window of a model version with its reference and writes one {@code DriftReport} per statistic.
 * A statistic whose inputs are missing on either side (no labels, no embeddings, no decodable images) is left
 * out; a window with fewer than min-window-events predictions is reported but never marked drifted.
 */
public final class DriftEvaluator {

    private final MonitoringConfig config;

    public DriftEvaluator(MonitoringConfig config) {
        this.config = config;
    }

    /** Identifies the window being evaluated. */
    public record WindowId(String modelName, String modelVersion, long startMs, long endMs) {
    }

    /** Reports of a window while its version has no complete reference yet: live accuracy only. */
    public List<DriftReport> withoutReference(WindowId id, WindowSample window) {
        List<DriftReport> reports = new ArrayList<>();
        accuracy(id, window, null).ifPresent(reports::add);
        return reports;
    }

    public List<DriftReport> evaluate(WindowId id, WindowSample window, WindowSample reference) {
        List<DriftReport> reports = new ArrayList<>();
        boolean enough = window.predictions() >= config.minWindowEvents();
        accuracy(id, window, reference).ifPresent(reports::add);

        long[] ref = reference.classCounts();
        long[] now = window.classCounts();
        if (sum(ref) > 0 && sum(now) > 0) {
            int k = Math.max(ref.length, now.length);
            double[] r = toDoubles(ref, k);
            double[] w = toDoubles(now, k);
            double psi = ClassDistributionDrift.psi(r, w);
            double js = ClassDistributionDrift.jensenShannon(r, w);
            // Sampling noise alone gives PSI ~ (1/n + 1/m) chi-square(K-1) (PSI is the symmetric KL divergence),
            // and JS ~ PSI / 8: with small windows the customary fixed thresholds would alarm on noise, so the
            // threshold is the larger of the configured one and the (1 - alpha) noise quantile.
            int occupied = 0;
            for (int c = 0; c < k; c++) {
                if (r[c] > 0 || w[c] > 0) {
                    occupied++;
                }
            }
            double noise = ChiSquare.quantile(Math.max(1, occupied - 1), 1 - config.alpha())
                    * (1.0 / sum(ref) + 1.0 / sum(now));
            double psiThreshold = Math.max(config.psiThreshold(), noise);
            double jsThreshold = Math.max(config.jsThreshold(), noise / 8 / Math.log(2));
            DriftReport.Builder psiReport = base(id, DriftStatistic.CLASS_PSI, window)
                    .setValue(psi).setThreshold(psiThreshold).setDrifted(enough && psi > psiThreshold)
                    .putDetails("noise_threshold", noise);
            double total = sum(now);
            for (int c = 0; c < k; c++) {
                psiReport.putDetails("fraction_" + c, w[c] / total);
            }
            reports.add(psiReport.build());
            reports.add(base(id, DriftStatistic.CLASS_JS, window)
                    .setValue(js).setThreshold(jsThreshold).setDrifted(enough && js > jsThreshold).build());
        }
        ks(id, DriftStatistic.CONFIDENCE_KS, window, reference.confidences(), window.confidences(), enough)
                .ifPresent(reports::add);
        ks(id, DriftStatistic.BRIGHTNESS_KS, window, reference.brightness(), window.brightness(), enough)
                .ifPresent(reports::add);
        ks(id, DriftStatistic.CONTRAST_KS, window, reference.contrast(), window.contrast(), enough)
                .ifPresent(reports::add);

        double[][] refEmb = reference.embeddings();
        double[][] winEmb = window.embeddings();
        if (refEmb.length >= 2 && winEmb.length >= 2 && refEmb[0].length == winEmb[0].length) {
            // Seed per window so that replays give the same p-value, yet windows use different permutations.
            long seed = config.seed() ^ id.startMs() ^ id.modelVersion().hashCode();
            MaximumMeanDiscrepancy.Result mmd = new MaximumMeanDiscrepancy(config.embeddingSampleSize(),
                    config.mmdPermutations(), seed).test(refEmb, winEmb);
            reports.add(base(id, DriftStatistic.EMBEDDING_MMD, window)
                    .setValue(mmd.mmd2()).setThreshold(config.alpha())
                    .setDrifted(enough && mmd.pValue() < config.alpha())
                    .putDetails("p_value", mmd.pValue())
                    .putDetails("bandwidth", mmd.bandwidth())
                    .putDetails("permutations", mmd.permutations())
                    .putDetails("reference_rows", Math.min(refEmb.length, config.embeddingSampleSize()))
                    .putDetails("window_rows", Math.min(winEmb.length, config.embeddingSampleSize()))
                    .build());
        }
        return reports;
    }

    private java.util.Optional<DriftReport> accuracy(WindowId id, WindowSample window, WindowSample reference) {
        if (window.labeled() == 0) {
            return java.util.Optional.empty();
        }
        double acc = window.accuracy();
        boolean hasReference = reference != null && reference.labeled() > 0;
        double threshold = hasReference ? reference.accuracy() - config.accuracyDrop() : 0.0;
        DriftReport.Builder b = base(id, DriftStatistic.ACCURACY, window)
                .setValue(acc).setThreshold(threshold)
                .setDrifted(hasReference && window.labeled() >= config.minWindowEvents() && acc < threshold)
                .putDetails("labeled", window.labeled())
                .putDetails("correct", window.correct());
        if (hasReference) {
            b.putDetails("reference_accuracy", reference.accuracy());
        }
        long[] labeled = window.labeledPerClass();
        long[] correct = window.correctPerClass();
        for (int c = 0; c < labeled.length; c++) {
            if (labeled[c] > 0) {
                b.putDetails("class_" + c, (double) correct[c] / labeled[c]);
            }
        }
        return java.util.Optional.of(b.build());
    }

    private java.util.Optional<DriftReport> ks(WindowId id, DriftStatistic statistic, WindowSample window,
                                               double[] reference, double[] current, boolean enough) {
        if (reference.length == 0 || current.length == 0) {
            return java.util.Optional.empty();
        }
        KolmogorovSmirnov.Result r = KolmogorovSmirnov.twoSample(reference, current);
        return java.util.Optional.of(base(id, statistic, window)
                .setValue(r.statistic()).setThreshold(config.alpha())
                .setDrifted(enough && r.pValue() < config.alpha())
                .putDetails("p_value", r.pValue())
                .putDetails("window_mean", Arrays.stream(current).average().orElse(Double.NaN))
                .putDetails("reference_mean", Arrays.stream(reference).average().orElse(Double.NaN))
                .putDetails("window_n", current.length)
                .putDetails("reference_n", reference.length)
                .build());
    }

    private static DriftReport.Builder base(WindowId id, DriftStatistic statistic, WindowSample window) {
        return DriftReport.newBuilder()
                .setModelName(id.modelName())
                .setModelVersion(id.modelVersion())
                .setWindowStartMs(id.startMs())
                .setWindowEndMs(id.endMs())
                .setStatistic(statistic.label())
                .setEvents(window.predictions());
    }

    private static long sum(long[] a) {
        return Arrays.stream(a).sum();
    }

    private static double[] toDoubles(long[] a, int length) {
        double[] d = new double[length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
