package dev.glimpse.engine.autodiff;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** The model has operators on the differentiated path for which no gradient rule exists. */
public final class UnsupportedOperatorException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final SortedSet<String> opTypes;

    public UnsupportedOperatorException(Set<String> opTypes) {
        super("no gradient rule for operator(s) " + String.join(", ", new TreeSet<>(opTypes))
                + " on the path from the differentiated tensors to the wrt tensors");
        this.opTypes = new TreeSet<>(opTypes);
    }

    /** The unsupported operator types, sorted. */
    public SortedSet<String> opTypes() {
        return opTypes;
    }
}
