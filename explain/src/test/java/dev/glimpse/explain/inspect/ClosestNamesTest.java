package dev.glimpse.explain.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClosestNamesTest {

    @Test
    void shouldListTheNearestTensorNamesFirst() {
        // Given the tensor names of a torchvision export and a node name typed where the tensor name belongs
        List<String> tensors = List.of("/features/features.12/Relu_output_0", "/features/features.11/Add_output_0",
                "/avgpool/GlobalAveragePool_output_0", "logits", "input");

        // Then the tensor the node writes comes first (one edit: the node name lacks "_output_0")
        assertEquals("/features/features.12/Relu_output_0",
                ClosestNames.closest("/features/features.12/Relu", tensors, 3).get(0));
        assertEquals(3, ClosestNames.closest("x", tensors, 3).size());
    }

    @Test
    void shouldNameTheClosestTensorsInTheRefusal() {
        String message = ClosestNames.unknownLayer("pool5", List.of("pool6", "conv1", "fc"));
        assertTrue(message.startsWith("--layer 'pool5' is not a tensor of the model; closest tensor names: pool6, "),
                message);
    }

    @Test
    void shouldCountEditsIgnoringNothing() {
        assertEquals(3, ClosestNames.distance("kitten", "sitting"));
        assertEquals(0, ClosestNames.distance("", ""));
    }
}
