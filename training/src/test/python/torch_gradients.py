#!/usr/bin/python3
"""Independent reference for the ONNX training graph: PyTorch autograd on the same network, weights and batch.

Usage: torch_gradients.py DIR   (DIR holds model.onnx with glimpse.training.architecture metadata, x.bin = float32
little-endian input N x C x H x W, y.txt = N labels). Builds the network from the layer list, loads the ONNX
initializers, runs one training-mode forward (batch-norm batch statistics, dropout off) with mean cross-entropy,
and writes DIR/torch_loss.txt and DIR/torch_grad.<weight>.bin (float32 little-endian, PyTorch layout).
Called by GradientTorchCrossCheckTest when /usr/bin/python3 has torch.
"""
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper


def build(spec, channels, height, width):
    layers, names = [], []
    c, h, w, flat = channels, height, width, None
    counters = {"conv": 0, "bn": 0, "fc": 0, "other": 0}
    for token in spec.split(","):
        p = token.split(":")
        kind = p[0]
        if kind == "conv":
            counters["conv"] += 1
            out, k = int(p[1]), int(p[2])
            pad = int(p[3]) if len(p) > 3 and p[3] != "nobias" else 0
            layers.append(nn.Conv2d(c, out, k, padding=pad, bias=not token.endswith(":nobias")))
            names.append("conv%d" % counters["conv"])
            c, h, w = out, h + 2 * pad - k + 1, w + 2 * pad - k + 1
        elif kind == "bn":
            counters["bn"] += 1
            layers.append(nn.BatchNorm2d(c, eps=1e-5, momentum=0.1))
            names.append("bn%d" % counters["bn"])
        elif kind == "relu":
            layers.append(nn.ReLU()); names.append(None)
        elif kind == "maxpool":
            k = int(p[1]); s = int(p[2]) if len(p) > 2 else k
            layers.append(nn.MaxPool2d(k, s)); names.append(None)
            h, w = (h - k) // s + 1, (w - k) // s + 1
        elif kind == "avgpool":
            k = int(p[1]); layers.append(nn.AvgPool2d(k)); names.append(None); h, w = h // k, w // k
        elif kind == "gap":
            layers.append(nn.AdaptiveAvgPool2d(1)); names.append(None); h, w = 1, 1
        elif kind == "dropout":
            layers.append(nn.Identity()); names.append(None)  # dropout off: same as an all-ones mask
        elif kind == "flatten":
            layers.append(nn.Flatten()); names.append(None); flat = c * h * w
        elif kind == "fc":
            counters["fc"] += 1
            out = int(p[1]); layers.append(nn.Linear(flat, out)); names.append("fc%d" % counters["fc"]); flat = out
        else:
            raise ValueError("unknown layer " + token)
    return nn.Sequential(*layers), names


def main():
    d = sys.argv[1]
    m = onnx.load(d + "/model.onnx")
    meta = {p.key: p.value for p in m.metadata_props}
    dims = [x.dim_value for x in m.graph.input[0].type.tensor_type.shape.dim]
    net, names = build(meta["glimpse.training.architecture"], dims[1], dims[2], dims[3])
    weights = {t.name: torch.tensor(numpy_helper.to_array(t).copy()) for t in m.graph.initializer}
    with torch.no_grad():
        for layer, name in zip(net, names):
            if name is None:
                continue
            for k in ("weight", "bias", "running_mean", "running_var"):
                if hasattr(layer, k) and getattr(layer, k) is not None and name + "." + k in weights:
                    getattr(layer, k).copy_(weights[name + "." + k])
    x = torch.tensor(np.fromfile(d + "/x.bin", dtype="<f4").reshape(-1, dims[1], dims[2], dims[3]))
    y = torch.tensor([int(v) for v in open(d + "/y.txt").read().split()])
    net.train()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    with open(d + "/torch_loss.txt", "w") as f:
        f.write("%.9g\n" % loss.item())
    for layer, name in zip(net, names):
        if name is None:
            continue
        for k in ("weight", "bias"):
            prm = getattr(layer, k, None)
            if prm is not None and prm.grad is not None:
                prm.grad.numpy().astype("<f4").tofile(d + "/torch_grad." + name + "." + k + ".bin")


if __name__ == "__main__":
    main()
