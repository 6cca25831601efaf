package dev.glimpse.explainworker;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.runtime.DeviceUnavailableException;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.SessionTuning;

/**
 * Settles {@code explain.device} once, at start: a one-node session is opened on the requested device, so a strict
 * {@code cuda} that cannot be had stops the worker before it consumes anything, and {@code auto} resolves to
 * {@code cuda:0} or (with the runtime module's WARN line) the CPU. Models are opened later on the resolved device,
 * so the fallback is decided and logged once, not once per model version.
 */
final class DeviceProbe {

    private DeviceProbe() {
    }

    static ExecutionDevice resolve(ExecutionDevice requested) {
        if (requested.kind() == ExecutionDevice.Kind.CPU) {
            return requested;
        }
        try (PlacedSession s = OrtSessions.open(identityModel(), requested, new SessionTuning(1, 1))) {
            return s.device();
        } catch (DeviceUnavailableException e) {
            throw e;
        } catch (OrtException e) {
            throw new DeviceUnavailableException("explain.device='" + requested + "': ONNX Runtime could not open a session: "
                    + e.getMessage(), e);
        }
    }

    /** y = Identity(x) on a float vector: the smallest graph every execution provider can place. */
    private static byte[] identityModel() {
        Onnx.TypeProto type = Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).setShape(Onnx.TensorShapeProto.newBuilder()
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(1)))).build();
        Onnx.GraphProto g = Onnx.GraphProto.newBuilder().setName("device-probe")
                .addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y").setType(type))
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Identity").addInput("x").addOutput("y")).build();
        return Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build().toByteArray();
    }
}
