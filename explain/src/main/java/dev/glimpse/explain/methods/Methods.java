package dev.glimpse.explain.methods;

import dev.glimpse.explain.ExplanationMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The catalog of methods by their command-line names (design.md's explain contract). */
public final class Methods {

    private static final Map<String, Supplier<ExplanationMethod>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("featuremaps", FeatureMaps::new);
        ALL.put("filters", Filters::new);
        ALL.put("activation-max", ActivationMaximisation::new);
        ALL.put("cam", Cam::new);
        ALL.put("gradcam", GradCam::new);
        ALL.put("gradcam++", GradCamPlusPlus::new);
        ALL.put("layercam", LayerCam::new);
        ALL.put("xgradcam", XGradCam::new);
        ALL.put("hirescam", HiResCam::new);
        ALL.put("scorecam", ScoreCam::new);
        ALL.put("eigencam", EigenCam::new);
        ALL.put("eigengradcam", EigenGradCam::new);
        ALL.put("ablationcam", AblationCam::new);
        ALL.put("fullgrad", FullGrad::new);
        ALL.put("saliency", InputGradient::saliency);
        ALL.put("gradxinput", GradientTimesInput::new);
        ALL.put("guided", InputGradient::guided);
        ALL.put("deconvnet", InputGradient::deconvnet);
        ALL.put("guided-gradcam", GuidedGradCam::new);
        ALL.put("smoothgrad", SmoothGrad::new);
        ALL.put("integrated-gradients", IntegratedGradients::new);
        ALL.put("occlusion", Occlusion::new);
        ALL.put("attention-rollout", AttentionRollout::new);
    }

    private Methods() {
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    public static ExplanationMethod byName(String name) {
        Supplier<ExplanationMethod> s = ALL.get(name.trim());
        if (s == null) {
            throw new IllegalArgumentException("unknown method '" + name + "'; known: " + String.join(", ", ALL.keySet()));
        }
        return s.get();
    }

    public static List<ExplanationMethod> parse(String commaSeparated) {
        List<ExplanationMethod> out = new ArrayList<>();
        for (String n : commaSeparated.split(",")) {
            if (!n.isBlank()) {
                out.add(byName(n));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--method names no method; known: " + String.join(", ", ALL.keySet()));
        }
        return out;
    }
}
