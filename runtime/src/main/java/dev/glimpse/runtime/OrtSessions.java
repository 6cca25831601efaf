package dev.glimpse.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX Runtime sessions on a requested {@link ExecutionDevice}.
 * <ul>
 *   <li>{@code cpu}: the CPU execution provider.</li>
 *   <li>{@code cuda:N}: strict; fails with {@link DeviceUnavailableException} when this ONNX Runtime build has no
 *       CUDA provider (the default {@code onnxruntime} artifact; build with {@code -Pgpu}) or the provider cannot
 *       be added (no driver, no device N, missing CUDA 12 / cuDNN 9 libraries).</li>
 *   <li>{@code auto}: tries {@code cuda:0}; on failure logs a WARN line naming the reason and uses the CPU.</li>
 * </ul>
 * The device actually used is reported by {@link PlacedSession#device()} so services can export it as a metric.
 */
public final class OrtSessions {

    private static final Logger LOG = LoggerFactory.getLogger(OrtSessions.class);

    private OrtSessions() {
    }

    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    public static PlacedSession open(Path model, ExecutionDevice requested) throws OrtException {
        return open(model, requested, SessionTuning.defaults());
    }

    public static PlacedSession open(Path model, ExecutionDevice requested, SessionTuning tuning) throws OrtException {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model file '" + model + "' does not exist or is not a file");
        }
        return open(new ModelSource.FromPath(model), requested, tuning);
    }

    public static PlacedSession open(byte[] model, ExecutionDevice requested) throws OrtException {
        return open(model, requested, SessionTuning.defaults());
    }

    public static PlacedSession open(byte[] model, ExecutionDevice requested, SessionTuning tuning) throws OrtException {
        return open(new ModelSource.FromBytes(model), requested, tuning);
    }

    /** True when the loaded ONNX Runtime library was built with the CUDA execution provider. */
    public static boolean cudaProviderPresent() {
        return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    }

    private static PlacedSession open(ModelSource source, ExecutionDevice requested, SessionTuning tuning)
            throws OrtException {
        return switch (requested.kind()) {
            case CPU -> new PlacedSession(create(source, tuning, -1), requested, ExecutionDevice.CPU, null);
            case CUDA -> new PlacedSession(createOnCuda(source, tuning, requested.cudaDeviceId(), requested),
                    requested, requested, null);
            case AUTO -> {
                ExecutionDevice cuda = ExecutionDevice.cuda(requested.cudaDeviceId());
                try {
                    yield new PlacedSession(createOnCuda(source, tuning, cuda.cudaDeviceId(), cuda),
                            requested, cuda, null);
                } catch (DeviceUnavailableException e) {
                    LOG.warn("device auto: CUDA is not available, FALLING BACK TO CPU. Reason: {}", e.getMessage());
                    yield new PlacedSession(create(source, tuning, -1), requested, ExecutionDevice.CPU, e.getMessage());
                }
            }
        };
    }

    private static OrtSession createOnCuda(ModelSource source, SessionTuning tuning, int deviceId,
                                           ExecutionDevice requested) throws OrtException {
        EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
        if (!providers.contains(OrtProvider.CUDA)) {
            throw new DeviceUnavailableException("device '" + requested + "' needs the CUDA execution provider, but "
                    + "this ONNX Runtime build only has " + providers + ". Build with the 'gpu' Maven profile "
                    + "(onnxruntime_gpu; needs CUDA 12 and cuDNN 9), or run with --device cpu (--device auto falls back to it).", null);
        }
        return create(source, tuning, deviceId);
    }

    /** Creates the session; {@code cudaDeviceId < 0} means CPU only. */
    private static OrtSession create(ModelSource source, SessionTuning tuning, int cudaDeviceId) throws OrtException {
        OrtEnvironment env = environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(tuning.resolvedIntraOpThreads());
            options.setInterOpNumThreads(tuning.interOpThreads());
            options.setExecutionMode(tuning.interOpThreads() > 1
                    ? OrtSession.SessionOptions.ExecutionMode.PARALLEL
                    : OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", tuning.allowSpinning() ? "1" : "0");
            options.addConfigEntry("session.inter_op.allow_spinning", tuning.allowSpinning() ? "1" : "0");
            if (cudaDeviceId >= 0) {
                try {
                    options.addCUDA(cudaDeviceId);
                } catch (OrtException | RuntimeException e) {
                    throw new DeviceUnavailableException("could not add the CUDA execution provider for device cuda:"
                            + cudaDeviceId + ": " + e.getMessage(), e);
                }
            }
            try {
                return source.open(env, options);
            } catch (OrtException e) {
                if (cudaDeviceId >= 0 && e.getCode() == OrtException.OrtErrorCode.ORT_EP_FAIL) {
                    throw new DeviceUnavailableException("the CUDA execution provider failed while creating the session "
                            + "on cuda:" + cudaDeviceId + ": " + e.getMessage(), e);
                }
                throw e;
            }
        }
    }

    /** A model given as a path or as bytes. */
    private sealed interface ModelSource {
        OrtSession open(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException;

        record FromPath(Path path) implements ModelSource {
            @Override
            public OrtSession open(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException {
                return env.createSession(path.toString(), options);
            }
        }

        record FromBytes(byte[] bytes) implements ModelSource {
            @Override
            public OrtSession open(OrtEnvironment env, OrtSession.SessionOptions options) throws OrtException {
                return env.createSession(bytes, options);
            }
        }
    }
}
