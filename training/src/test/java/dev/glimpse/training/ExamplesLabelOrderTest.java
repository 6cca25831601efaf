package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExamplesLabelOrderTest {

    /** An image folder's view: classes sorted by name, example i of class i % classes. */
    private static Examples folder(List<String> classes, int n) {
        return new Examples() {
            @Override public String name() { return "folder"; }
            @Override public int size() { return n; }
            @Override public int label(int index) { return index % classes.size(); }
            @Override public List<String> classNames() { return classes; }
            @Override public int[] sampleShape() { return new int[] {1, 1, 1}; }
            @Override public void write(int index, float[] dst, int offset, Augmentation a) { dst[offset] = index; }
        };
    }

    @Test
    void shouldMatchFolderClassesToTheModelsOutputsByName() {
        // Given folders sorted by name and a model whose outputs are in another order
        Examples data = folder(List.of("circle", "cross", "ring", "square", "triangle"), 10);
        List<String> model = List.of("circle", "square", "triangle", "cross", "ring");

        // When the examples are put in the model's label order
        Examples mapped = data.inLabelOrder(model);

        // Then each example's label is the model output of its class name, and the samples are the same
        for (int i = 0; i < data.size(); i++) {
            assertEquals(data.classNames().get(data.label(i)), model.get(mapped.label(i)), "example " + i);
        }
        float[] a = new float[1];
        mapped.write(7, a, 0, null);
        assertEquals(7f, a[0]);
        assertEquals(model, mapped.classNames());
    }

    @Test
    void shouldKeepIndicesWhenClassesAlreadyLeadTheLabelsOrAreNotLabelsAtAll() {
        Examples data = folder(List.of("a", "b"), 4);
        assertSame(data, data.inLabelOrder(List.of("a", "b", "c")), "same order: nothing to map");
        assertSame(data, data.inLabelOrder(List.of("0", "1", "2")), "a model without class names: dataset order");
    }

    @Test
    void shouldRefuseClassesOnlySomeOfWhichTheModelKnows() {
        Examples data = folder(List.of("cat", "zebra"), 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> data.inLabelOrder(List.of("cat", "dog")));
        assertTrue(e.getMessage().contains("[zebra]") && e.getMessage().contains("--replace-head 2"), e.getMessage());
    }
}
