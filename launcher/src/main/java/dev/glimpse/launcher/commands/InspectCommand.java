package dev.glimpse.launcher.commands;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.inspect.ArchitectureSvg;
import dev.glimpse.explain.inspect.ClosestNames;
import dev.glimpse.explain.inspect.LayerReport;
import dev.glimpse.explain.inspect.ModelShapes;
import dev.glimpse.explain.inspect.ModelInspector;
import dev.glimpse.explain.inspect.ModelReport;
import dev.glimpse.explain.inspect.ReportFormat;
import dev.glimpse.launcher.GlimpseCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./glimpse inspect}: per-layer op, shape, parameters, MACs and receptive field of an ONNX model. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Per-layer op, output shape, parameters, MACs and receptive field of an ONNX model.")
public final class InspectCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX model file")
    Path model;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Option(names = "--svg", paramLabel = "F", description = "also draw the architecture to this SVG file")
    Path svg;

    @Option(names = "--layer", paramLabel = "TENSOR",
            description = "only the layer writing this tensor (the last table column; what explain --layer takes)")
    String layer;

    @Override
    public Integer call() throws Exception {
        try {
            Onnx.ModelProto m = ModelFiles.read(model);
            var shapes = ModelShapes.of(m);
            ModelReport r = ModelInspector.inspect(m, shapes.shapes());
            if (layer != null) {
                r = only(r, layer);
            }
            System.out.print(json ? ReportFormat.json(r) + "\n" : ReportFormat.table(r));
            if (svg != null) {
                Files.writeString(svg, ArchitectureSvg.render(r));
                System.err.println("inspect: architecture drawn to " + svg);
            }
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("inspect: " + e.getMessage());
            return 2;
        }
    }

    /** The report of the one layer writing {@code tensor}; an unknown name is refused with the closest ones. */
    static ModelReport only(ModelReport r, String tensor) {
        List<LayerReport> match = r.layers().stream().filter(l -> l.output().equals(tensor)).toList();
        if (match.isEmpty()) {
            throw new IllegalArgumentException(ClosestNames.unknownLayer(tensor,
                    r.layers().stream().map(LayerReport::output).toList()));
        }
        return new ModelReport(r.input(), r.inputShape(), match, r.totalParameters(), r.totalMacs());
    }
}
