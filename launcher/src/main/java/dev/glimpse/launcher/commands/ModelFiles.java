package dev.glimpse.launcher.commands;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.glimpse.engine.exec.SharedWeights;
import dev.glimpse.engine.onnx.Onnx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads an ONNX model file for the explain/inspect commands, with errors that name the file. */
final class ModelFiles {

    private ModelFiles() {
    }

    static Onnx.ModelProto read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--model " + file + " is not a readable file");
        }
        try {
            // read into native memory and parsed in place: sessions borrow the weights from there, no copy
            Onnx.ModelProto m = SharedWeights.readModel(file);
            if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) {
                throw new IllegalArgumentException("--model " + file + " is not an ONNX model (no graph nodes)");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("--model " + file + " is not an ONNX model: " + e.getMessage(), e);
        }
    }
}
