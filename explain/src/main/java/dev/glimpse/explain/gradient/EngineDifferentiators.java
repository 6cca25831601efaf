package dev.glimpse.explain.gradient;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.engine.autodiff.GradientGraph;
import dev.glimpse.engine.autodiff.GradientGraphBuilder;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.SharedWeights;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.SessionTuning;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link DifferentiatorFactory} backed by the engine: the model's backward graph is appended to its forward graph
 * ({@link GradientGraphBuilder}) and run as one ONNX Runtime session; the seed is an input, so one session serves
 * every target class and batch size.
 *
 * <p>This is the one place where explain's {@link Tensor} (int shape, float data: the type of every method, map
 * and NPY file) meets the engine's {@code exec.Tensor} (long shape, float or int64 data, as ONNX Runtime feeds
 * take them): {@code toEngine} and {@code fromEngine} share the data array and convert only the shape. The two
 * names clash, so the engine's type is written out in those two methods.
 */
public final class EngineDifferentiators implements DifferentiatorFactory {

    private final ExecutionDevice device;
    private final SessionTuning tuning;
    private final OrtSession.SessionOptions.OptLevel cpuOptimisation;
    /** CPU sessions of one model share its weights (lent per session, released when the session closes). */
    private final SharedWeights weights = new SharedWeights();

    /** CPU sessions with every graph optimisation, for sessions that serve many calls. */
    public EngineDifferentiators() {
        this(null, null);
    }

    private EngineDifferentiators(OrtSession.SessionOptions.OptLevel cpuOptimisation) {
        this.device = null;
        this.tuning = SessionTuning.defaults();
        this.cpuOptimisation = cpuOptimisation;
    }

    /**
     * CPU sessions that open fast (ONNX Runtime's basic optimisations: constant folding, redundant nodes, exact fusions
     * such as Conv+BatchNorm; no extended fusions, no NCHWc layout transform with its reordered copy of every Conv
     * weight): for a process that explains a few inputs and exits, as {@code ./glimpse explain}. On resnet18 its
     * Grad-CAM session opens in 0.49-0.53 s against 0.50-0.57 s at {@code EXTENDED_OPT}, and the calls of
     * {@code explain} (gradcam, saliency, 50-step IG) took as long as at {@code EXTENDED_OPT}.
     */
    public static EngineDifferentiators forFewCalls() {
        return new EngineDifferentiators(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
    }

    /**
     * Sessions on {@code device} through the runtime module ({@code cuda:N} strict, {@code auto} falls back to the
     * CPU with a WARN line); null = the engine's plain CPU session.
     */
    public EngineDifferentiators(ExecutionDevice device, SessionTuning tuning) {
        this.device = device;
        this.tuning = tuning == null ? SessionTuning.defaults() : tuning;
        this.cpuOptimisation = OrtSession.SessionOptions.OptLevel.ALL_OPT;
    }

    @Override
    public Differentiator create(Onnx.ModelProto model, String output, String layer, ReluRule rule, boolean inputGradient)
            throws OrtException {
        OnnxModel m = OnnxModel.of(model);
        String input = m.inputNames().stream().filter(n -> !m.isInitializer(n)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model has no input besides initializers"));
        GradientGraphBuilder b = GradientGraphBuilder.forModel(m).differentiate(output)
                .reluRule(rule);
        if (inputGradient) {
            b.wrt(input);
        }
        if (layer != null) {
            b.wrt(layer).keepActivations(layer);
        }
        GradientGraph graph = b.build();
        GradientSession session = open(graph);
        return new EngineDifferentiator(graph, session, input, output, layer, inputGradient);
    }

    @Override
    public LayerGradients createLayerGradients(Onnx.ModelProto model, String output, List<String> layers)
            throws OrtException {
        OnnxModel m = OnnxModel.of(model);
        String input = m.inputNames().stream().filter(n -> !m.isInitializer(n)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model has no input besides initializers"));
        GradientGraph graph = GradientGraphBuilder.forModel(m).differentiate(output).reluRule(ReluRule.STANDARD)
                .wrt(input).wrt(layers).build();
        GradientSession session = open(graph);
        String seed = graph.seedOf(output);
        String inputGradient = graph.gradientOf(input);
        Map<String, String> gradientNames = new LinkedHashMap<>();
        layers.forEach(l -> gradientNames.put(l, graph.gradientOf(l)));
        List<String> outputs = new ArrayList<>();
        outputs.add(output);
        outputs.add(inputGradient);
        outputs.addAll(gradientNames.values());
        return new LayerGradients() {
            @Override
            public Pass run(Tensor batch, Tensor seedValues) throws OrtException {
                var r = session.run(Map.of(input, EngineDifferentiator.toEngine(batch), seed,
                        EngineDifferentiator.toEngine(seedValues)), outputs);
                Map<String, Tensor> grads = new LinkedHashMap<>();
                gradientNames.forEach((l, g) -> grads.put(l, EngineDifferentiator.fromEngine(r.get(g))));
                return new Pass(EngineDifferentiator.fromEngine(r.get(output)),
                        EngineDifferentiator.fromEngine(r.get(inputGradient)), grads);
            }

            @Override
            public void close() throws OrtException {
                session.close();
            }
        };
    }

    private GradientSession open(GradientGraph graph) throws OrtException {
        return device == null ? GradientSession.open(graph, cpuOptimisation, weights) : GradientSession.open(graph, device, tuning);
    }

    @Override
    public SharedWeights sharedWeights() {
        return weights;
    }

    @Override
    public OrtSession.SessionOptions.OptLevel cpuOptimisation() {
        return cpuOptimisation;
    }

    private static final class EngineDifferentiator implements Differentiator {

        private final GradientSession session;
        private final String input;
        private final String seed;
        private final List<String> outputs = new ArrayList<>();
        private final String output;
        private final String layer;
        private final String inputGradient;
        private final String layerGradient;

        EngineDifferentiator(GradientGraph graph, GradientSession session, String input, String output, String layer,
                boolean wantInputGradient) {
            this.session = session;
            this.input = input;
            this.output = output;
            this.layer = layer;
            this.seed = graph.seedOf(output);
            this.inputGradient = wantInputGradient ? graph.gradientOf(input) : null;
            this.layerGradient = layer == null ? null : graph.gradientOf(layer);
            outputs.add(output);
            if (inputGradient != null) {
                outputs.add(inputGradient);
            }
            if (layer != null) {
                outputs.add(layer);
                outputs.add(layerGradient);
            }
        }

        @Override
        public Pass run(Tensor batch, Tensor seedValues) throws OrtException {
            var r = session.run(Map.of(input, toEngine(batch), seed, toEngine(seedValues)), outputs);
            return new Pass(fromEngine(r.get(output)), layer == null ? null : fromEngine(r.get(layer)),
                    layer == null ? null : fromEngine(r.get(layerGradient)),
                    inputGradient == null ? null : fromEngine(r.get(inputGradient)));
        }

        @Override
        public String device() {
            return session.device();
        }

        @Override
        public void close() throws OrtException {
            session.close();
        }

        /** Explain's tensor as an engine feed: same data array, shape widened to long. */
        static dev.glimpse.engine.exec.Tensor toEngine(Tensor t) {
            int[] s = t.shape();
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = s[i];
            }
            return dev.glimpse.engine.exec.Tensor.of(t.data(), shape);
        }

        /** An engine output as explain's tensor: same data array, shape narrowed to int (fails on overflow). */
        static Tensor fromEngine(dev.glimpse.engine.exec.Tensor t) {
            long[] s = t.shape();
            int[] shape = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = Math.toIntExact(s[i]);
            }
            return new Tensor(shape, t.data());
        }
    }
}
