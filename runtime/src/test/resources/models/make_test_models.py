#!/usr/bin/python3
"""Writes the tiny ONNX models the runtime tests load (run once with /usr/bin/python3 + onnx 1.12; the outputs
are committed beside this script, so `mvn verify` never needs Python).

tiny-gray.onnx      input [N,1,4,4] -> Flatten -> Gemm(16x8) -> Relu -> Gemm(8x3) -> logits [N,3];
                    full Glimpse metadata (labels, colour, size, mean/std, version, lineage, metrics, embedding).
tiny-gray.expected.json  numpy forward pass of tiny-gray for two inputs (independent reference).
tiny-rgb-bare.onnx  input [N,3,6,5] -> Flatten -> Gemm(90x4) -> logits [N,4]; no metadata at all (defaults).
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)


def save(model, name):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(here, name))


def tiny_gray():
    w1 = numpy_helper.from_array(rng.normal(size=(16, 8)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.normal(size=(8,)).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.normal(size=(8, 3)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(rng.normal(size=(3,)).astype(np.float32), "b2")
    nodes = [
        helper.make_node("Flatten", ["input"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w1", "b1"], ["hidden_pre"]),
        helper.make_node("Relu", ["hidden_pre"], ["hidden"]),
        helper.make_node("Gemm", ["hidden", "w2", "b2"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny_gray",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 4, 4])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 3])],
        initializer=[w1, b1, w2, b2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="glimpse-test")
    model.ir_version = 8
    props = {
        "glimpse.name": "tiny-gray",
        "glimpse.version": "3",
        "glimpse.parent_version": "2",
        "glimpse.labels": json.dumps(["circle", "square", "triangle"]),
        "glimpse.input.colour": "gray",
        "glimpse.input.size": "4x4",
        "glimpse.input.mean": "[0.5]",
        "glimpse.input.std": "[0.25]",
        "glimpse.training.window": "2026-11-01T00:00:00Z/2026-11-20T00:00:00Z",
        "glimpse.metrics": json.dumps({"accuracy": 0.875, "loss": 0.31}),
        "glimpse.embedding.output": "hidden",
        "glimpse.output.kind": "logits",
    }
    helper.set_model_props(model, props)
    save(model, "tiny-gray.onnx")
    # Reference forward pass in numpy for two inputs: arange(16)/16 and its reverse.
    x = np.stack([np.arange(16, dtype=np.float32) / 16, np.arange(16, dtype=np.float32)[::-1] / 16])
    hidden = np.maximum(x @ numpy_helper.to_array(w1) + numpy_helper.to_array(b1), 0)
    logits = hidden @ numpy_helper.to_array(w2) + numpy_helper.to_array(b2)
    with open(os.path.join(here, "tiny-gray.expected.json"), "w") as f:
        json.dump({"input": x.tolist(), "hidden": hidden.tolist(), "logits": logits.tolist()}, f)


def tiny_rgb_bare():
    w = numpy_helper.from_array(rng.normal(size=(90, 4)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.normal(size=(4,)).astype(np.float32), "b")
    nodes = [
        helper.make_node("Flatten", ["pixels"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w", "b"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes, "tiny_rgb_bare",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 3, 6, 5])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 4])],
        initializer=[w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="glimpse-test")
    model.ir_version = 8
    save(model, "tiny-rgb-bare.onnx")


tiny_gray()
tiny_rgb_bare()
