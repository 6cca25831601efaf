package dev.glimpse.engine.exec;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.glimpse.engine.onnx.Onnx.ModelProto;

/**
 * The one place where the engine opens ONNX Runtime sessions for models it generated. Callers that choose the
 * device themselves open the session with their own options and hand it to {@link GradientSession#wrap}.
 */
public final class SessionFactory {

    private SessionFactory() {
    }

    /** A CPU session with every graph optimisation: for sessions that serve many calls. */
    public static OrtSession open(byte[] model) throws OrtException {
        return open(model, OrtSession.SessionOptions.OptLevel.ALL_OPT);
    }

    /**
     * A CPU session optimised up to {@code level}. {@code BASIC_OPT} or {@code EXTENDED_OPT} (fusions and constant
     * folding, no NCHWc layout transform with its reordered copy of every Conv weight) opens resnet18's Grad-CAM graph
     * about 0.3 s of CPU faster than {@code ALL_OPT} and runs it about a quarter slower: right for a session that serves
     * a few calls.
     */
    public static OrtSession open(byte[] model, OrtSession.SessionOptions.OptLevel level) throws OrtException {
        try (OrtSession.SessionOptions options = options(level)) {
            return OrtEnvironment.getEnvironment().createSession(model, options);
        }
    }

    /** A session opened with lent weights: closing it closes the session, then gives the weights back. */
    public record LentSession(OrtSession session, SharedWeights.Lease lease) implements AutoCloseable {
        @Override
        public void close() throws OrtException {
            try {
                session.close();
            } finally {
                lease.close();
            }
        }
    }

    /**
     * A CPU session of {@code model} optimised up to {@code level}, its large weights lent by {@code weights}
     * rather than serialised with the graph; {@code intraOpThreads} 0 leaves ONNX Runtime's default.
     */
    public static LentSession open(ModelProto model, OrtSession.SessionOptions.OptLevel level, int intraOpThreads,
                                   SharedWeights weights) throws OrtException {
        try (OrtSession.SessionOptions options = options(level)) {
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            SharedWeights.Lease lease = weights.lend(model, options);
            try {
                return new LentSession(OrtEnvironment.getEnvironment().createSession(lease.modelBytes(), options), lease);
            } catch (OrtException | RuntimeException e) {
                lease.close();
                throw e;
            }
        }
    }

    private static OrtSession.SessionOptions options(OrtSession.SessionOptions.OptLevel level) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(level);
            // warnings about old opsets in test models are noise for callers; errors still surface as exceptions
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }
}
