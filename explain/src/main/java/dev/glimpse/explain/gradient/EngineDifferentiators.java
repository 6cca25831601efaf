package dev.glimpse.explain.gradient;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.GradientGraph;
import dev.glimpse.engine.autodiff.GradientGraphBuilder;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link DifferentiatorFactory} backed by the engine: the model's backward graph is appended to its forward graph
 * ({@link GradientGraphBuilder}) and run as one ONNX Runtime session; the seed is an input, so one session serves
 * every target class and batch size.
 */
public final class EngineDifferentiators implements DifferentiatorFactory {

    private final dev.glimpse.runtime.ExecutionDevice device;
    private final dev.glimpse.runtime.SessionTuning tuning;

    /** CPU sessions. */
    public EngineDifferentiators() {
        this(null, null);
    }

    /**
     * Sessions on {@code device} through the runtime module ({@code cuda:N} strict, {@code auto} falls back to the
     * CPU with a WARN line); null = the engine's plain CPU session.
     */
    public EngineDifferentiators(dev.glimpse.runtime.ExecutionDevice device, dev.glimpse.runtime.SessionTuning tuning) {
        this.device = device;
        this.tuning = tuning == null ? dev.glimpse.runtime.SessionTuning.defaults() : tuning;
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
        GradientSession session = device == null ? GradientSession.open(graph) : GradientSession.open(graph, device, tuning);
        return new EngineDifferentiator(graph, session, input, output, layer, inputGradient);
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
            Map<String, dev.glimpse.engine.exec.Tensor> r = session.run(Map.of(
                    input, dev.glimpse.engine.exec.Tensor.of(batch.data(), longs(batch.shape())),
                    seed, dev.glimpse.engine.exec.Tensor.of(seedValues.data(), longs(seedValues.shape()))), outputs);
            return new Pass(ours(r.get(output)), layer == null ? null : ours(r.get(layer)),
                    layer == null ? null : ours(r.get(layerGradient)), inputGradient == null ? null : ours(r.get(inputGradient)));
        }

        @Override
        public String device() {
            return session.device();
        }

        @Override
        public void close() throws OrtException {
            session.close();
        }

        private static long[] longs(int[] s) {
            long[] l = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                l[i] = s[i];
            }
            return l;
        }

        private static Tensor ours(dev.glimpse.engine.exec.Tensor t) {
            long[] s = t.shape();
            int[] shape = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = Math.toIntExact(s[i]);
            }
            return new Tensor(shape, t.data());
        }
    }
}
