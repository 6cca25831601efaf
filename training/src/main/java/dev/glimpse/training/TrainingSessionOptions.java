package dev.glimpse.training;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/** ONNX Runtime settings of a training-step session, the same for Glimpse networks and imported graphs. */
public final class TrainingSessionOptions {

    private TrainingSessionOptions() {
    }

    /**
     * @param threads intra-op threads (0 = ONNX Runtime's default); the caller closes the options
     */
    public static OrtSession.SessionOptions of(int threads) throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (threads > 0) {
            opts.setIntraOpNumThreads(threads);
        }
        opts.setInterOpNumThreads(1);
        // Worker threads sleep instead of spinning between the many small kernels of a training step: on a
        // shared machine spinning threads steal the cores the other threads need.
        opts.addConfigEntry("session.intra_op.allow_spinning", "0");
        return opts;
    }
}
