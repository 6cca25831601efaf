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

    /** A CPU session with ONNX Runtime's default options. */
    public static OrtSession open(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // warnings about old opsets in test models are noise for callers; errors still surface as exceptions
            options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            return OrtEnvironment.getEnvironment().createSession(model, options);
        }
    }
}
