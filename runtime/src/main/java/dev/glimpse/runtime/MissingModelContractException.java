package dev.glimpse.runtime;

import java.util.List;

/**
 * A model without the preprocessing contract ({@link ModelMetadataKeys#CONTRACT}): Glimpse refuses to guess how to
 * feed it. The message is one line naming the missing keys and the {@code ./glimpse models import} command that
 * writes them. An {@link IllegalArgumentException}, so command-line tools report it as a usage error (exit 2).
 */
public final class MissingModelContractException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> missingKeys;

    public MissingModelContractException(String model, List<String> missingKeys) {
        super("model " + model + " has no preprocessing contract (missing " + String.join(", ", missingKeys)
                + "); write it with: ./glimpse models import --model " + model + " --out " + importedName(model)
                + " --preset imagenet (or --colour/--size/--resize/--crop/--mean/--std; see docs/model-contract.md)");
        this.missingKeys = List.copyOf(missingKeys);
    }

    public List<String> missingKeys() {
        return missingKeys;
    }

    private static String importedName(String model) {
        return model.endsWith(".onnx") ? model.substring(0, model.length() - 5) + "-imported.onnx" : model + "-imported.onnx";
    }
}
