package dev.glimpse.launcher.commands;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.Datasets;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.launcher.GlimpseCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./glimpse dataset ...}: the built-in datasets as files, e.g. to train a model outside Glimpse on them. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = "Built-in datasets as files: export writes an image folder (DIR/<class>/<index>.png).",
        subcommands = DatasetCommand.Export.class)
public final class DatasetCommand implements GlimpseCommand, Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the first N images of a split as DIR/<class>/<index>.png, exactly the pixels the "
                    + "dataset replay sends (PNG is lossless); ./glimpse train|finetune|evaluate --dataset DIR read it back.")
    static final class Export implements Callable<Integer> {

        @Option(names = "--dataset", required = true, description = "fashion-mnist, shapes, scenes or a directory of class folders")
        String dataset;

        @Option(names = "--split", defaultValue = "train", description = "train or test (default: ${DEFAULT-VALUE})")
        String split;

        @Option(names = "--limit", description = "only the first N images of the split (default: all)")
        Integer limit;

        @Option(names = "--out", required = true, description = "output directory; one sub-directory per class")
        Path out;

        @Override
        public Integer call() throws Exception {
            return UsageErrors.report("dataset export", this::execute);
        }

        private Integer execute() throws Exception {
            if (!split.equals("train") && !split.equals("test")) {
                throw new IllegalArgumentException("--split must be train or test, got '" + split + "'");
            }
            if (limit != null && limit < 0) {
                throw new IllegalArgumentException("--limit must be >= 0, got '" + limit + "'");
            }
            DatasetSplit parts = Datasets.open(dataset);
            Dataset set = split.equals("train") ? parts.train() : parts.test();
            int n = limit == null ? set.size() : Math.min(limit, set.size());
            for (String name : set.classNames()) {
                Files.createDirectories(out.resolve(name));
            }
            int[] perClass = new int[set.numClasses()];
            for (int i = 0; i < n; i++) {
                LabeledImage image = set.get(i);
                Files.write(out.resolve(set.classNames().get(image.label())).resolve(String.format("%06d.png", i)),
                        image.toPng());
                perClass[image.label()]++;
            }
            StringBuilder counts = new StringBuilder();
            for (int k = 0; k < perClass.length; k++) {
                counts.append(k == 0 ? "" : ", ").append(set.classNames().get(k)).append(' ').append(perClass[k]);
            }
            System.out.println("wrote " + n + " images of " + set.name() + " to " + out + " (" + counts + ")");
            return 0;
        }
    }
}
