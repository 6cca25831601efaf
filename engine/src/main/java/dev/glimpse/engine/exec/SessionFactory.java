package dev.glimpse.engine.exec;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

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
     * A CPU session optimised up to {@code level}. {@code EXTENDED_OPT} (fusions and constant folding, no NCHWc
     * layout transform with its reordered copy of every Conv weight) opens resnet18's Grad-CAM graph about 0.3 s of
     * CPU faster than {@code ALL_OPT} and runs it about a quarter slower: right for a session that serves a few calls.
     */
    public static OrtSession open(byte[] model, OrtSession.SessionOptions.OptLevel level) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(level);
            // warnings about old opsets in test models are noise for callers; errors still surface as exceptions
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            return OrtEnvironment.getEnvironment().createSession(model, options);
        }
    }
}
